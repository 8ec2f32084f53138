#include "job_control.hpp"

namespace kumo::downloader {

const char* to_string(stop_reason r) {
  switch (r) {
  case stop_reason::none:
    return "none";
  case stop_reason::drain:
    return "drain";
  case stop_reason::pause:
    return "pause";
  case stop_reason::cancel:
    return "cancel";
  case stop_reason::lost:
    return "lost";
  case stop_reason::lost_cancelled:
    return "lost_cancelled";
  }
  return "unknown";
}

job_control::job_control(clock::time_point lease_deadline,
                         lease_snapshot initial)
    : lease_deadline_(ticks(lease_deadline)),
      shutdown_deadline_(ticks(clock::time_point::max())),
      durable_(std::move(initial)) {
  // nop
}

void job_control::request_stop(stop_reason reason) {
  auto wanted = static_cast<uint8_t>(reason);
  auto current = stop_.load();
  while (current < wanted && !stop_.compare_exchange_weak(current, wanted)) {
    // retry with the value another thread stored
  }
}

stop_reason job_control::stop() const {
  return static_cast<stop_reason>(stop_.load());
}

void job_control::mark_lost(const std::string& status) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (lost_status_.empty())
      lost_status_ = status;
  }
  request_stop(status == "cancelled" ? stop_reason::lost_cancelled
                                     : stop_reason::lost);
}

std::string job_control::lost_status() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return lost_status_;
}

void job_control::extend_lease(clock::time_point deadline) {
  auto wanted = ticks(deadline);
  auto current = lease_deadline_.load();
  while (current < wanted &&
         !lease_deadline_.compare_exchange_weak(current, wanted)) {
    // retry
  }
}

job_control::clock::time_point job_control::lease_deadline() const {
  return from_ticks(lease_deadline_.load());
}

bool job_control::lease_valid(clock::time_point now) const {
  return ticks(now) < lease_deadline_.load();
}

void job_control::set_shutdown_deadline(clock::time_point deadline) {
  shutdown_deadline_ = ticks(deadline);
}

job_control::clock::time_point job_control::shutdown_deadline() const {
  return from_ticks(shutdown_deadline_.load());
}

void job_control::set_durable(int64_t bytes_done, int64_t bytes_total,
                              const std::string& validator) {
  std::lock_guard<std::mutex> guard{mutex_};
  durable_.bytes_done = bytes_done;
  durable_.bytes_total = bytes_total;
  durable_.validator = validator;
}

void job_control::set_speed(int64_t bps) {
  speed_ = bps;
}

lease_snapshot job_control::snapshot() const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto out = durable_;
  out.speed_bps = speed_.load();
  return out;
}

} // namespace kumo::downloader
