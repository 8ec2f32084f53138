#pragma once

// The hand-over between a scan's walking thread and its writing thread:
// series as the walk finishes them, the walk's progress counts, and the end
// of the walk. Pure (standard library only).

#include "walk/library_walk.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace kumo::scanner {

class series_feed {
public:
  using series_ptr = std::shared_ptr<const walked_series>;

  /// Walking side: one series whose folder was walked to the end.
  void push(const series_ptr& s) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      waiting_.push_back(s);
    }
    ready_.notify_one();
  }

  /// Walking side: the walk's progress counts.
  void progress(const walk_progress& p) {
    dirs_.store(p.dirs_done, std::memory_order_relaxed);
    files_.store(p.files_done, std::memory_order_relaxed);
  }

  /// Walking side: nothing more comes.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_one();
  }

  /// Writing side: waits at most `wait` for series, and returns those
  /// waiting (possibly none); `open` turns false once the feed is closed
  /// and every series was taken.
  std::vector<series_ptr> take(std::chrono::milliseconds wait, bool& open) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, wait, [&] { return closed_ || !waiting_.empty(); });
    std::vector<series_ptr> out;
    out.swap(waiting_);
    open = !(closed_ && out.empty());
    return out;
  }

  std::uint64_t dirs_done() const {
    return dirs_.load(std::memory_order_relaxed);
  }
  std::uint64_t files_done() const {
    return files_.load(std::memory_order_relaxed);
  }

private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<series_ptr> waiting_;
  bool closed_ = false;
  std::atomic<std::uint64_t> dirs_{0};
  std::atomic<std::uint64_t> files_{0};
};

} // namespace kumo::scanner
