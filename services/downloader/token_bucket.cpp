#include "token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace kumo::downloader {

token_bucket::token_bucket(int64_t rate, int64_t burst, now_fn now)
    : rate_(rate),
      burst_(burst),
      now_(std::move(now)),
      tokens_(static_cast<double>(burst)),
      last_(now_()) {
  // nop
}

void token_bucket::refill(clock::time_point now) {
  if (now <= last_)
    return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(static_cast<double>(burst_),
                     tokens_ + seconds * static_cast<double>(rate_));
  last_ = now;
}

std::chrono::nanoseconds token_bucket::reserve(int64_t bytes) {
  std::lock_guard<std::mutex> guard{mutex_};
  refill(now_());
  if (rate_ <= 0)
    return std::chrono::nanoseconds{0};
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0)
    return std::chrono::nanoseconds{0};
  double wait = -tokens_ / static_cast<double>(rate_);
  return std::chrono::nanoseconds{static_cast<int64_t>(std::ceil(wait * 1e9))};
}

void token_bucket::set_rate(int64_t rate, int64_t burst) {
  std::lock_guard<std::mutex> guard{mutex_};
  refill(now_());
  rate_ = rate;
  burst_ = burst;
  tokens_ = std::clamp(tokens_, 0.0, static_cast<double>(burst_));
}

void token_bucket::refund(int64_t bytes) {
  std::lock_guard<std::mutex> guard{mutex_};
  refill(now_());
  tokens_ = std::min(static_cast<double>(burst_),
                     tokens_ + static_cast<double>(bytes));
}

} // namespace kumo::downloader
