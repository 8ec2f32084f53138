#include "http/thread_pool.hpp"

#include "kumo/log.hpp"

#include <algorithm>
#include <climits>
#include <pthread.h>

namespace kumo::gateway {

elastic_pool::elastic_pool(pool_options opts) : opts_(opts) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (size_t i = 0; i < opts_.idle_threads && i < opts_.max_threads; ++i)
    start_thread_locked();
}

elastic_pool::~elastic_pool() {
  shutdown();
}

void elastic_pool::start_thread_locked() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(
      &attr, std::max<size_t>(opts_.stack_size, PTHREAD_STACK_MIN));
  pthread_t id;
  int rc = pthread_create(&id, &attr, &elastic_pool::thread_main, this);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    // Queued tasks wait for a running thread; the next enqueue tries again.
    if (stats_.failed++ % 100 == 0)
      log::error("cannot start an HTTP thread",
                 {{"error", rc}, {"threads", stats_.threads}});
    return;
  }
  ++stats_.threads;
  ++stats_.started;
  stats_.peak = std::max(stats_.peak, stats_.threads);
}

void* elastic_pool::thread_main(void* self) {
  static_cast<elastic_pool*>(self)->work();
  return nullptr;
}

void elastic_pool::work() {
  std::unique_lock<std::mutex> guard{mutex_};
  ++stats_.idle;
  for (;;) {
    if (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      --stats_.idle;
      guard.unlock();
      task();
      task = nullptr; // release captures outside the lock
      guard.lock();
      ++stats_.idle;
      continue;
    }
    if (stopping_)
      break;
    bool woken = wake_.wait_for(guard, opts_.idle_timeout, [this] {
      return stopping_ || !tasks_.empty();
    });
    if (!woken && stats_.threads > opts_.idle_threads)
      break; // surplus thread, quiet for a while: retire
  }
  --stats_.idle;
  --stats_.threads;
  if (stats_.threads == 0)
    all_done_.notify_all();
  // `this` may be gone as soon as the lock is released: touch nothing after.
}

void elastic_pool::enqueue(std::function<void()> task) {
  std::lock_guard<std::mutex> guard{mutex_};
  tasks_.push_back(std::move(task));
  if (stats_.idle < tasks_.size() && stats_.threads < opts_.max_threads &&
      !stopping_)
    start_thread_locked();
  wake_.notify_one();
}

void elastic_pool::shutdown() {
  std::unique_lock<std::mutex> guard{mutex_};
  stopping_ = true;
  wake_.notify_all();
  all_done_.wait(guard, [this] { return stats_.threads == 0; });
}

elastic_pool::stats elastic_pool::current() const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto out = stats_;
  out.queued = tasks_.size();
  return out;
}

} // namespace kumo::gateway
