// The watched folders: adding and dropping watches, and what each inotify
// event means for the batch.

#include "watch/watch_tree.hpp"

#include "walk/library_walk.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::scanner::detail {

namespace {

constexpr std::uint32_t dir_mask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM |
                                   IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF |
                                   IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

constexpr int open_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

int depth_of(const std::string& rel) {
  if (rel.empty())
    return 0;
  return 1 + int(std::count(rel.begin(), rel.end(), '/'));
}

std::string child_of(const std::string& rel, const char* name) {
  return rel.empty() ? std::string(name) : rel + '/' + name;
}

} // namespace

bool watch_tree::add_tree(int fd, const std::string& rel, bool report,
                          clock::time_point now) {
  if (wds.size() >= opt.max_watches && !wds.count(rel)) {
    ::close(fd);
    limit_reached(rel, "watch_options::max_watches");
    return false;
  }
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  int wd = ::inotify_add_watch(ifd, proc.c_str(), dir_mask);
  if (wd < 0) {
    if (errno == ENOSPC)
      limit_reached(rel, "fs.inotify.max_user_watches");
    ::close(fd);
    return false;
  }
  if (auto old = paths.find(wd); old != paths.end())
    wds.erase(old->second);
  paths[wd] = rel;
  wds[rel] = wd;
  if (seen)
    seen->insert(wd);
  int depth = depth_of(rel);
  std::vector<std::string> subdirs;
  walk_env{}.list_dir(fd, [&](const char* name, unsigned char type) {
    struct stat st {};
    if (type == DT_UNKNOWN &&
        ::fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : 0;
    if (type == DT_DIR && watch_enters_dir(name, depth + 1))
      subdirs.emplace_back(name);
    else if (type == DT_REG && report && watch_counts_file(name, depth))
      batch.add(watch_change::file_appeared, child_of(rel, name), now);
  });
  for (const auto& name : subdirs) {
    int sub = ::openat(fd, name.c_str(), open_flags);
    if (sub < 0)
      continue; // gone or replaced by a symlink since it was listed
    auto sub_rel = child_of(rel, name.c_str());
    if (report)
      batch.add(watch_change::dir_appeared, sub_rel, now);
    add_tree(sub, sub_rel, report, now);
  }
  ::close(fd);
  return true;
}

int watch_tree::open_rel(const std::string& rel) const {
  int fd = reopen_root(); // not a dup: a listing needs its own offset
  for (std::size_t at = 0; fd >= 0 && at < rel.size();) {
    auto slash = rel.find('/', at);
    auto part = rel.substr(at, slash == std::string::npos ? slash : slash - at);
    int next = ::openat(fd, part.c_str(), open_flags);
    ::close(fd);
    fd = next;
    at = slash == std::string::npos ? rel.size() : slash + 1;
  }
  return fd;
}

void watch_tree::drop_tree(const std::string& rel) {
  auto prefix = rel + '/';
  for (auto it = wds.lower_bound(rel); it != wds.end();) {
    if (it->first != rel && it->first.compare(0, prefix.size(), prefix) != 0)
      break;
    ::inotify_rm_watch(ifd, it->second);
    paths.erase(it->second);
    it = wds.erase(it);
  }
}

void watch_tree::limit_reached(const std::string& rel, const char* which) {
  if (degraded)
    return;
  degraded = true;
  reason = std::string("inotify watch limit reached (") + which + ") at " +
           std::to_string(wds.size()) + " folders; changes below \"" + rel +
           "\" and other unwatched folders are missed until a rescan";
}

void watch_tree::handle(const inotify_event& ev, clock::time_point now) {
  if (ev.mask & IN_Q_OVERFLOW)
    return overflow(now);
  if (moved.pending && !((ev.mask & IN_MOVED_TO) && ev.cookie == moved.cookie))
    finish_move_out(now);
  auto it = paths.find(ev.wd);
  if (it == paths.end())
    return;
  if (ev.mask & IN_IGNORED) {
    wds.erase(it->second);
    paths.erase(it);
    return;
  }
  if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
    if (it->second.empty()) // the root itself: the service must look again
      batch.lost(now);
    return;
  }
  if (ev.len == 0 || ev.name[0] == 0)
    return;
  const std::string parent = it->second; // `paths` may change below
  auto rel = child_of(parent, ev.name);
  if (ev.mask & IN_ISDIR)
    on_dir(ev.mask, ev.cookie, rel, ev.name, now);
  else
    on_file(ev.mask, rel, ev.name, depth_of(parent), now);
}

void watch_tree::on_dir(std::uint32_t mask, std::uint32_t cookie,
                        const std::string& rel, const char* name,
                        clock::time_point now) {
  int depth = depth_of(rel);
  if (mask & IN_MOVED_TO && moved.pending && cookie == moved.cookie) {
    drop_tree(moved.path); // renamed inside the root: watched again below
    batch.add(watch_change::dir_removed, moved.path, now);
    moved.pending = false;
  }
  if (!watch_enters_dir(name, depth))
    return;
  if (mask & (IN_CREATE | IN_MOVED_TO)) {
    batch.add(watch_change::dir_appeared, rel, now);
    int fd = open_rel(rel);
    if (fd >= 0)
      add_tree(fd, rel, true, now);
  } else if (mask & IN_MOVED_FROM) {
    moved = {true, cookie, rel};
  } else if (mask & IN_DELETE) {
    drop_tree(rel);
    batch.add(watch_change::dir_removed, rel, now);
  }
}

void watch_tree::on_file(std::uint32_t mask, const std::string& rel,
                         const char* name, int parent_depth,
                         clock::time_point now) {
  if (!watch_counts_file(name, parent_depth))
    return;
  if (mask & (IN_DELETE | IN_MOVED_FROM)) {
    batch.add(watch_change::file_removed, rel, now);
    return;
  }
  struct stat st {};
  if (::fstatat(root_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode))
    return; // gone again (its removal follows) or not a regular file
  batch.add(watch_change::file_appeared, rel, now);
}

void watch_tree::finish_move_out(clock::time_point now) {
  moved.pending = false;
  drop_tree(moved.path);
  batch.add(watch_change::dir_removed, moved.path, now);
}

void watch_tree::overflow(clock::time_point now) {
  batch.lost(now);
  moved.pending = false;
  // Watch what is there now and drop watches of folders no longer found.
  std::set<int> now_seen;
  seen = &now_seen;
  int fd = reopen_root();
  if (fd >= 0)
    add_tree(fd, "", false, now);
  seen = nullptr;
  for (auto it = paths.begin(); it != paths.end();) {
    if (now_seen.count(it->first)) {
      ++it;
      continue;
    }
    ::inotify_rm_watch(ifd, it->first);
    wds.erase(it->second);
    it = paths.erase(it);
  }
}

} // namespace kumo::scanner::detail
