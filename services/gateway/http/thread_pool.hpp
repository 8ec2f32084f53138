#pragma once

// The HTTP server's threads. A Server-Sent Events stream holds its thread for
// as long as the client stays, so a fixed pool would let a handful of
// browsers starve the API. This pool keeps a few idle threads, starts a new
// one whenever every thread is busy (up to a cap), and lets surplus threads
// retire after a quiet spell. The stack size is explicit (address space
// only: pages a thread never touches cost no memory).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace kumo::gateway {

struct pool_options {
  size_t idle_threads = 4;     ///< kept (and started up front) when idle
  size_t max_threads = 1100;   ///< beyond this, tasks wait for a thread
  size_t stack_size = 8 << 20; ///< bytes per thread (see http_thread_stack)
  std::chrono::milliseconds idle_timeout{
      30'000}; ///< before a surplus thread retires
};

class elastic_pool {
public:
  struct stats {
    size_t threads = 0; ///< alive now
    size_t idle = 0;    ///< waiting for a task
    size_t queued = 0;  ///< tasks waiting for a thread
    size_t peak = 0;    ///< most threads alive at once
    size_t started = 0; ///< threads started so far
    size_t failed = 0;  ///< thread starts the system refused
  };

  explicit elastic_pool(pool_options opts);

  /// Shuts down (see shutdown()).
  ~elastic_pool();

  elastic_pool(const elastic_pool&) = delete;
  elastic_pool& operator=(const elastic_pool&) = delete;

  /// Runs `task` on an idle thread, on a new thread when every thread is
  /// busy and the cap allows, or else as soon as a thread frees up.
  void enqueue(std::function<void()> task);

  /// Lets queued tasks run, then waits until every thread has ended.
  /// Tasks that never return keep it waiting: stop them first.
  void shutdown();

  stats current() const;

private:
  static void* thread_main(void* self);
  void work();
  void start_thread_locked();

  const pool_options opts_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable all_done_;
  std::deque<std::function<void()>> tasks_;
  stats stats_;
  bool stopping_ = false;
};

} // namespace kumo::gateway
