#include "watch/library_watch.hpp"

#include "watch/watch_tree.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>

namespace kumo::scanner {

using detail::watch_tree;

result<library_watch> library_watch::open(const std::string& root,
                                          const watch_options& options) {
  auto s = std::make_unique<watch_tree>(options);
  s->ifd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (s->ifd < 0)
    return unavailable(
        std::string("inotify_init1: ") + std::strerror(errno) +
        (errno == EMFILE ? " (fs.inotify.max_user_instances)" : ""));
  s->root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->root_fd < 0)
    return unavailable("cannot open library root " + root + ": " +
                       std::strerror(errno));
  int fd = s->reopen_root();
  if (fd < 0 || !s->add_tree(fd, "", false, clock::now()))
    return unavailable("cannot watch library root " + root + ": " +
                       (s->degraded ? s->reason : std::strerror(errno)));
  return library_watch{std::move(s)};
}

library_watch::library_watch(std::unique_ptr<watch_tree> s) : s_(std::move(s)) {
  // nop
}
library_watch::library_watch(library_watch&&) noexcept = default;
library_watch& library_watch::operator=(library_watch&&) noexcept = default;
library_watch::~library_watch() = default;

int library_watch::fd() const {
  return s_->ifd;
}

std::vector<watch_event> library_watch::drain(clock::time_point now) {
  alignas(inotify_event) char buffer[64 * 1024];
  for (int reads = 0; reads < 64; ++reads) { // then the next drain goes on
    auto n = ::read(s_->ifd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break; // EAGAIN: nothing more waits
    for (long at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buffer + at);
      at += long(sizeof(inotify_event) + ev->len);
      s_->handle(*ev, now);
    }
  }
  if (s_->moved.pending) // no pair in what was read: moved out of the root
    s_->finish_move_out(now);
  return s_->batch.take(now);
}

std::optional<library_watch::clock::time_point> library_watch::due_at() const {
  return s_->batch.due_at();
}

bool library_watch::degraded() const {
  return s_->degraded;
}

const std::string& library_watch::degraded_reason() const {
  return s_->reason;
}

std::size_t library_watch::watched() const {
  return s_->wds.size();
}

void library_watch::on_overflow(clock::time_point now) {
  s_->overflow(now);
}

} // namespace kumo::scanner
