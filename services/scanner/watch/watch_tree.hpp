#pragma once

// The state behind library_watch (library_watch.hpp): inotify descriptor,
// watched folders, the pending batch. Private to the watch.

#include "watch/library_watch.hpp"

#include <cstdint>
#include <fcntl.h>
#include <map>
#include <set>
#include <string>
#include <sys/inotify.h>
#include <unistd.h>
#include <unordered_map>

namespace kumo::scanner::detail {

/// The watched folders of one library_watch and what their events mean.
struct watch_tree {
  using clock = std::chrono::steady_clock;

  explicit watch_tree(const watch_options& o)
      : opt(o), batch(o.settle, o.max_delay) {
    // nop
  }
  ~watch_tree() {
    if (ifd >= 0)
      ::close(ifd);
    if (root_fd >= 0)
      ::close(root_fd);
  }

  /// Watches the open folder `fd` (closed here) at `rel`, then its
  /// subfolders; with `report`, its folders and episode files are reported
  /// as appeared. Returns false when the root itself could not be watched.
  bool add_tree(int fd, const std::string& rel, bool report,
                clock::time_point now);
  int open_rel(const std::string& rel) const;
  /// A new descriptor (own directory offset) of the root; -1 on failure.
  int reopen_root() const {
    return ::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  void drop_tree(const std::string& rel);
  void limit_reached(const std::string& rel, const char* which);
  void handle(const inotify_event& ev, clock::time_point now);
  void on_dir(std::uint32_t mask, std::uint32_t cookie, const std::string& rel,
              const char* name, clock::time_point now);
  void on_file(std::uint32_t mask, const std::string& rel, const char* name,
               int parent_depth, clock::time_point now);
  void finish_move_out(clock::time_point now);
  void overflow(clock::time_point now);

  watch_options opt;
  watch_batch batch;
  int ifd = -1;
  int root_fd = -1;
  std::unordered_map<int, std::string> paths; ///< wd → folder ("" root)
  std::map<std::string, int> wds;             ///< folder → wd
  std::set<int>* seen = nullptr;              ///< wds watched during a resync
  struct {
    bool pending = false;
    std::uint32_t cookie = 0;
    std::string path;
  } moved; ///< a folder moved away, until its pair arrives or not
  bool degraded = false;
  std::string reason;
};

} // namespace kumo::scanner::detail
