#include "http/thread_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <thread>

namespace {

using namespace std::chrono_literals;
using kumo::gateway::elastic_pool;
using kumo::gateway::pool_options;

/// A gate that blocked tasks wait at until the test opens it.
class gate {
public:
  void wait() {
    std::unique_lock<std::mutex> guard{mutex_};
    ++waiting_;
    changed_.notify_all();
    changed_.wait(guard, [this] { return open_; });
  }
  void open() {
    std::lock_guard<std::mutex> guard{mutex_};
    open_ = true;
    changed_.notify_all();
  }
  bool wait_for_waiters(int n) {
    std::unique_lock<std::mutex> guard{mutex_};
    return changed_.wait_for(guard, 10s, [&] { return waiting_ >= n; });
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

pool_options small_pool() {
  pool_options o;
  o.idle_threads = 2;
  o.max_threads = 64;
  o.stack_size = size_t{256} * 1024;
  o.idle_timeout = 100ms;
  return o;
}

TEST(elastic_pool, keeps_idle_threads_up_front) {
  elastic_pool pool{small_pool()};
  auto s = pool.current();
  EXPECT_EQ(s.threads, 2u);
}

TEST(elastic_pool, grows_when_every_thread_is_busy) {
  elastic_pool pool{small_pool()};
  gate g;
  for (int i = 0; i < 40; ++i)
    pool.enqueue([&] { g.wait(); });
  // 40 tasks blocked at once: only possible with 40 threads.
  ASSERT_TRUE(g.wait_for_waiters(40));
  EXPECT_GE(pool.current().threads, 40u);
  // A short task still runs while all of them block.
  std::promise<void> ran;
  pool.enqueue([&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
  g.open();
}

TEST(elastic_pool, surplus_threads_retire_when_quiet) {
  elastic_pool pool{small_pool()};
  gate g;
  for (int i = 0; i < 10; ++i)
    pool.enqueue([&] { g.wait(); });
  ASSERT_TRUE(g.wait_for_waiters(10));
  g.open();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (pool.current().threads > 2 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(pool.current().threads, 2u);
  EXPECT_GE(pool.current().peak, 10u);
}

TEST(elastic_pool, the_cap_makes_tasks_wait_instead_of_failing) {
  auto o = small_pool();
  o.max_threads = 3;
  elastic_pool pool{o};
  std::atomic<int> done{0};
  gate g;
  for (int i = 0; i < 3; ++i)
    pool.enqueue([&] {
      g.wait();
      done++;
    });
  ASSERT_TRUE(g.wait_for_waiters(3));
  pool.enqueue([&] { done++; });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(pool.current().threads, 3u);
  EXPECT_EQ(pool.current().queued, 1u);
  g.open();
  pool.shutdown();
  EXPECT_EQ(done.load(), 4);
}

TEST(elastic_pool, shutdown_runs_queued_tasks_and_ends_every_thread) {
  std::atomic<int> done{0};
  {
    elastic_pool pool{small_pool()};
    for (int i = 0; i < 100; ++i)
      pool.enqueue([&] {
        std::this_thread::sleep_for(1ms);
        done++;
      });
    pool.shutdown();
    EXPECT_EQ(pool.current().threads, 0u);
  }
  EXPECT_EQ(done.load(), 100);
}

TEST(elastic_pool, small_stacks_hold_a_moderate_recursion) {
  elastic_pool pool{small_pool()};
  std::promise<int> result;
  std::function<int(int)> depth = [&](int n) -> int {
    volatile char pad[256];
    pad[0] = static_cast<char>(n);
    return n == 0 ? pad[0] : depth(n - 1) + 1;
  };
  pool.enqueue([&] { result.set_value(depth(200)); });
  EXPECT_EQ(result.get_future().get(), 200);
}

} // namespace
