// The live watch of one root on a thread of its own (a blocking actor):
// polls the inotify descriptor with a finite timeout and tells the service
// actor when a batch of changes is due.

#include "actors.hpp"
#include "kumo/log.hpp"
#include "watch/library_watch.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <poll.h>

namespace kumo::scanner {

namespace {

/// Longest wait between two looks at the stop flag.
constexpr std::chrono::milliseconds stop_check{250};

int poll_timeout(const library_watch& w) {
  auto wait = stop_check;
  if (auto due = w.due_at()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *due - library_watch::clock::now());
    wait = std::clamp(left + std::chrono::milliseconds(1),
                      std::chrono::milliseconds(0), stop_check);
  }
  return static_cast<int>(wait.count());
}

void watch_thread(caf::blocking_actor* self, const caf::actor& parent,
                  const std::string& root,
                  const std::shared_ptr<std::atomic<bool>>& stop) {
  auto w = library_watch::open(root);
  if (!w) {
    log::warn("scan_watch: the root cannot be watched; periodic scans cover it",
              {{"root", root}, {"error", w.error().message}});
    return;
  }
  log::info("scan_watch: watching",
            {{"root", root}, {"folders", w->watched()}});
  bool told = false;
  while (!stop->load()) {
    pollfd p{w->fd(), POLLIN, 0};
    ::poll(&p, 1, poll_timeout(*w));
    auto batch = w->drain();
    if (w->degraded() && !told) {
      told = true;
      log::warn("scan_watch: degraded; periodic scans cover what it misses",
                {{"root", root}, {"reason", w->degraded_reason()}});
    }
    if (!batch.empty())
      self->send(parent, watch_atom::value, root, batch.size());
  }
}

} // namespace

void spawn_watch(caf::actor_system& sys, const caf::actor& parent,
                 std::string root, std::shared_ptr<std::atomic<bool>> stop) {
  sys.spawn<caf::detached>(watch_thread, parent, std::move(root),
                           std::move(stop));
}

} // namespace kumo::scanner
