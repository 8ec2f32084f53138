#include "throttle.hpp"

#include <cmath>

namespace kumo::downloader {

progress_throttle::progress_throttle() : progress_throttle(options{}) {
  // nop
}

progress_throttle::progress_throttle(options opts) : opts_(opts) {
  // nop
}

bool progress_throttle::should_report(int64_t current, int64_t total,
                                      steady_time now) {
  if (any_ && now - last_time_ < opts_.min_interval)
    return false;
  int64_t advanced = current - last_bytes_;
  bool enough = advanced >= opts_.min_bytes;
  if (!enough && total > 0)
    enough = static_cast<double>(advanced) >=
             opts_.min_fraction * static_cast<double>(total);
  // The end of a download is always worth an update.
  if (!enough && total >= 0 && current >= total && current != last_bytes_)
    enough = true;
  if (!enough)
    return false;
  reported(current, now);
  return true;
}

void progress_throttle::reported(int64_t current, steady_time now) {
  last_bytes_ = current;
  last_time_ = now;
  any_ = true;
}

speed_meter::speed_meter(std::chrono::milliseconds sample_interval)
    : interval_(sample_interval) {
  // nop
}

void speed_meter::start(int64_t bytes, steady_time now) {
  last_bytes_ = bytes;
  last_time_ = now;
  rate_ = 0;
}

void speed_meter::update(int64_t bytes, steady_time now) {
  auto elapsed = now - last_time_;
  if (elapsed < interval_)
    return;
  double seconds = std::chrono::duration<double>(elapsed).count();
  double sample = static_cast<double>(bytes - last_bytes_) / seconds;
  rate_ = rate_ == 0 ? sample : 0.7 * rate_ + 0.3 * sample;
  last_bytes_ = bytes;
  last_time_ = now;
}

int64_t speed_meter::bytes_per_second() const {
  return static_cast<int64_t>(std::llround(rate_));
}

int64_t speed_meter::eta_seconds(int64_t remaining) const {
  if (remaining < 0 || rate_ < 1)
    return -1;
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(remaining) / rate_));
}

} // namespace kumo::downloader
