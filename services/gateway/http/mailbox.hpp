#pragma once

// A bounded hand-over queue from one actor to one blocking thread: the event
// hub pushes, an SSE stream's HTTP thread takes. No actor state is shared;
// the only shared thing is this queue. A consumer that falls `capacity`
// items behind is cut off instead of letting memory grow.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace kumo::gateway {

template <class T>
class bounded_mailbox {
public:
  explicit bounded_mailbox(size_t capacity) : capacity_(capacity) {
    // nop
  }

  /// Queues `x`. Returns false when the mailbox is closed; when it is full
  /// it closes as overflowed and returns false.
  bool push(T x) {
    std::lock_guard<std::mutex> guard{mutex_};
    if (closed_)
      return false;
    if (items_.size() >= capacity_) {
      closed_ = true;
      overflowed_ = true;
      items_.clear();
      ready_.notify_all();
      return false;
    }
    items_.push_back(std::move(x));
    ready_.notify_one();
    return true;
  }

  /// Waits until something is queued, the mailbox closes, or `deadline`
  /// passes; returns everything queued (possibly nothing).
  std::vector<T> take(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> guard{mutex_};
    ready_.wait_until(guard, deadline,
                      [this] { return closed_ || !items_.empty(); });
    std::vector<T> out;
    out.reserve(items_.size());
    for (auto& x : items_)
      out.push_back(std::move(x));
    items_.clear();
    return out;
  }

  /// Wakes the consumer; later pushes fail.
  void close() {
    std::lock_guard<std::mutex> guard{mutex_};
    closed_ = true;
    ready_.notify_all();
  }

  bool closed() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return closed_;
  }

  /// True when the mailbox closed because its consumer fell behind.
  bool overflowed() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return overflowed_;
  }

private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
  bool closed_ = false;
  bool overflowed_ = false;
};

} // namespace kumo::gateway
