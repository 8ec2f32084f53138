#include "events/session_streams.hpp"

#include <vector>

namespace kumo::gateway {

uint64_t session_streams::add(const std::string& token_hash,
                              std::function<void()> end) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto ticket = next_ticket_++;
  streams_.emplace(ticket, entry{token_hash, std::move(end)});
  return ticket;
}

void session_streams::remove(uint64_t ticket) {
  std::lock_guard<std::mutex> guard{mutex_};
  streams_.erase(ticket);
}

size_t session_streams::revoke(const std::string& token_hash) {
  std::vector<std::function<void()>> ends;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto i = streams_.begin(); i != streams_.end();) {
      if (i->second.token_hash == token_hash) {
        ends.push_back(std::move(i->second.end));
        i = streams_.erase(i);
      } else {
        ++i;
      }
    }
  }
  for (auto& end : ends)
    end();
  return ends.size();
}

size_t session_streams::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return streams_.size();
}

} // namespace kumo::gateway
