#include "auth/login_limiter.hpp"

#include <algorithm>

namespace kumo::gateway {

login_limiter::login_limiter(options opts) : opts_(opts) {
  // nop
}

void login_limiter::expire(std::deque<time_point>& times,
                           time_point now) const {
  while (!times.empty() && times.front() + opts_.window <= now)
    times.pop_front();
}

std::chrono::seconds login_limiter::retry_after(const std::string& client,
                                                time_point now) {
  auto i = failures_.find(client);
  if (i == failures_.end())
    return std::chrono::seconds{0};
  auto& times = i->second;
  expire(times, now);
  if (times.empty()) {
    failures_.erase(i);
    return std::chrono::seconds{0};
  }
  if (times.size() < opts_.max_failures)
    return std::chrono::seconds{0};
  // The attempt becomes possible when enough failures have left the window.
  auto frees_at = times[times.size() - opts_.max_failures] + opts_.window;
  auto wait = std::chrono::ceil<std::chrono::seconds>(frees_at - now);
  return std::max(wait, std::chrono::seconds{1});
}

void login_limiter::record_failure(const std::string& client, time_point now) {
  auto i = failures_.find(client);
  if (i == failures_.end()) {
    if (failures_.size() >= opts_.max_clients)
      evict_one();
    i = failures_.emplace(client, std::deque<time_point>{}).first;
  }
  expire(i->second, now);
  i->second.push_back(now);
  // Only the newest max_failures entries ever matter.
  while (i->second.size() > opts_.max_failures)
    i->second.pop_front();
}

void login_limiter::reset(const std::string& client) {
  failures_.erase(client);
}

void login_limiter::evict_one() {
  auto oldest = std::min_element(failures_.begin(), failures_.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.second.back() < b.second.back();
                                 });
  if (oldest != failures_.end())
    failures_.erase(oldest);
}

} // namespace kumo::gateway
