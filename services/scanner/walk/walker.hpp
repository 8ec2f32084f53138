#pragma once

// The walker behind walk_library (library_walk.cpp): traversal, folder
// records and series assembly. Private to the walk; tests use the public
// header.

#include "parse/episode_name.hpp"
#include "walk/library_walk.hpp"
#include "walk/walk_rules.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <sys/stat.h>

namespace kumo::scanner {

/// One directory as the walk left it: its identity and timestamp, and what
/// it holds directly. Its episode files are not kept here but in the
/// series object of the walk that read it (see walker::assemble), which the
/// series folder's record holds.
struct dir_record {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t nlink = 0;
  bool trusted = false;    ///< modified well before the walk that read it
  std::size_t entries = 0; ///< entries listed (all kinds)
  std::vector<std::string> subdirs; ///< sorted
  /// The records of `subdirs`, same order; null where a subfolder was not
  /// recorded (too deep, unreadable, not a folder any more).
  std::vector<std::shared_ptr<const dir_record>> children;
  std::shared_ptr<const walked_series> series; ///< series folders only
  std::size_t found = 0; ///< episode and unparsed files directly in it
  std::uint64_t skipped = 0;
  std::uint64_t symlinks = 0;
};

namespace detail {

inline std::int64_t mtime_of(const struct stat& st) {
  return std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

using record_ptr = std::shared_ptr<const dir_record>;

/// The previous record of `listing`'s i-th subfolder: `before`'s child of
/// the same name (`listing` is `before` itself when it was reused).
inline const record_ptr& previous_child(const record_ptr& before,
                                        const dir_record& listing,
                                        std::size_t i) {
  static const record_ptr none;
  if (!before)
    return none;
  std::size_t j = i;
  if (&listing != before.get()) {
    const auto& subs = before->subdirs;
    auto it = std::lower_bound(subs.begin(), subs.end(), listing.subdirs[i]);
    if (it == subs.end() || *it != listing.subdirs[i])
      return none;
    j = std::size_t(it - subs.begin());
  }
  return j < before->children.size() ? before->children[j] : none;
}

inline bool unchanged(const dir_record& r, const struct stat& st) {
  return r.trusted && r.dev == std::uint64_t(st.st_dev) &&
         r.ino == std::uint64_t(st.st_ino) && r.mtime_ns == mtime_of(st) &&
         r.nlink == std::uint64_t(st.st_nlink);
}

inline walked_episode to_episode(episode_name&& p, std::string path,
                                 const struct stat& st) {
  walked_episode e;
  e.path = std::move(path);
  e.season = p.season;
  e.episodes = std::move(p.episodes);
  e.absolute = std::move(p.absolute);
  e.special = p.special;
  e.air_date = std::move(p.date);
  e.size = std::uint64_t(st.st_size);
  e.mtime_ns = mtime_of(st);
  e.resolution = std::move(p.resolution);
  e.group = std::move(p.group);
  e.source = std::move(p.source);
  return e;
}

/// What the walk of one series folder's subtree gathered: the files of the
/// folders it read, and the folders it reused (their files are taken from
/// the previous walk's series object).
struct series_acc {
  std::vector<walked_episode> episodes;
  std::vector<std::string> unparsed;
  std::vector<std::string> reused; ///< paths from the series folder, "x/"
  bool all_reused = true;
  bool complete = true;
};

/// What the threads of one walk_library call share: the start time, the
/// next series folder to take, the stop flag and the progress counts.
struct walk_shared {
  walk_shared() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    start_ns = std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  }
  std::int64_t start_ns = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> dirs_done{0};
  std::atomic<std::uint64_t> files_done{0};
};

/// One thread of a walk_library call: walks the root or series folders and
/// fills `out` (series, stats, the state for the next walk).
class walker {
public:
  walker(const walk_options& opt, walk_env& env, const walk_state* prev,
         walk_result& out, walk_shared& shared)
      : opt_(opt),
        env_(env),
        prev_(prev),
        out_(out),
        shared_(shared),
        start_ns_(shared.start_ns) {
    // nop
  }

  /// Reads (or reuses) the root's listing; returns it (its subdirectories
  /// are the series folders), or nullptr when it could not be read.
  record_ptr read_root(int root_fd) {
    struct stat st {};
    if (int rc = env_.stat_at(root_fd, ".", &st); rc < 0) {
      out_.ok = false;
      out_.root_errno = -rc;
      return nullptr;
    }
    series_acc ignored;
    return visit(root_fd, "", st, 0, prev_ ? prev_->root : nullptr, ignored);
  }

  /// Walks the series folders of `root` that no other walker sharing
  /// `shared` took first; the record of series folder i goes to kids[i].
  void walk_share(int root_fd, const dir_record& root,
                  std::vector<record_ptr>& kids) {
    const record_ptr none;
    const auto& before = prev_ ? prev_->root : none;
    while (!stop_) {
      std::size_t i = shared_.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= root.subdirs.size())
        break;
      kids[i] = walk_series(root_fd, root.subdirs[i],
                            previous_child(before, root, i));
    }
  }

  bool stopped() const {
    return stop_;
  }

private:
  void count_error(int err, series_acc& acc) {
    acc.complete = false;
    acc.all_reused = false;
    if (err == EACCES || err == EPERM)
      ++out_.stats.denied;
    else if (err == ENOENT || err == ENOTDIR)
      ++out_.stats.vanished;
    else if (err == ELOOP)
      ++out_.stats.symlinks; // replaced by a symlink since it was listed
    else
      ++out_.stats.errors;
  }

  /// Walks one series folder (previous record `before`); returns its new
  /// record, holding its series, or null when it could not be read.
  record_ptr walk_series(int root_fd, const std::string& folder,
                         const record_ptr& before);

  std::shared_ptr<const walked_series>
  assemble(const std::string& folder, series_acc& acc,
           const std::shared_ptr<const walked_series>& before);

  /// Copies the files of the reused folders from the previous series.
  static void take_reused(const walked_series& before, series_acc& acc,
                          walked_series& s);

  /// Checks, opens (when needed) and visits the subdirectory `name` of
  /// `parent_fd` (previous record `before`); `rel` is its path from the
  /// series folder ("" for the series folder itself, else ending in '/').
  /// Returns its new record, or null when it was not recorded.
  record_ptr enter(int parent_fd, const std::string& name,
                   const record_ptr& before, const std::string& rel, int depth,
                   series_acc& acc);

  /// What open_known returns when `before` was reused without opening.
  static constexpr int reused_fd = -2;

  /// Opens the subdirectory `name` that has no previous record and stats
  /// the folder opened (no stat by name first). Returns the descriptor, or
  /// -1 (counted) when it is not a folder or cannot be opened.
  int open_new(int parent_fd, const std::string& name, struct stat& st,
               series_acc& acc);

  /// Stats the subdirectory `name` (previous record `before`), reuses it
  /// unopened when it and its subfolders are unchanged (returns reused_fd),
  /// else opens it. Returns the descriptor, or -1 (counted).
  int open_known(int parent_fd, const std::string& name,
                 const record_ptr& before, const std::string& rel, int depth,
                 struct stat& st, series_acc& acc);

  /// `listing` with the records of its subfolders, entered through `fd`:
  /// `before` itself when nothing below changed, else a new record.
  record_ptr with_children(int fd, const record_ptr& listing,
                           const record_ptr& before, const std::string& rel,
                           int depth, series_acc& acc);

  /// Reuses the unchanged folder `name` and its subfolders without opening
  /// it when every subfolder is an unchanged leaf (the usual series folder
  /// of season folders). The subfolders are checked with
  /// fstatat(parent_fd, "name/sub") against records made through
  /// descriptors: a path that no longer leads to the same folders only
  /// fails that comparison (then the folder is opened); nothing is read
  /// through it.
  bool reuse_unopened(int parent_fd, const std::string& name,
                      const std::string& rel, int depth,
                      const record_ptr& before, series_acc& acc);

  /// True (and the walk stops) once `cancelled` said so on any thread.
  bool cancel_now() {
    if (!shared_.stop.load(std::memory_order_relaxed) &&
        !(opt_.cancelled && opt_.cancelled()))
      return false;
    shared_.stop.store(true, std::memory_order_relaxed);
    stop_ = true;
    return true;
  }

  void reuse(std::string rel, const dir_record& r, series_acc& acc) {
    ++out_.stats.dirs_reused;
    out_.stats.skipped += r.skipped;
    out_.stats.symlinks += r.symlinks;
    shared_.files_done.fetch_add(r.found, std::memory_order_relaxed);
    acc.reused.push_back(std::move(rel));
    ++out_.state.dirs;
    report();
  }

  void report() {
    walk_progress p;
    p.dirs_done = shared_.dirs_done.fetch_add(1, std::memory_order_relaxed) + 1;
    p.files_done = shared_.files_done.load(std::memory_order_relaxed);
    if (opt_.progress)
      opt_.progress(p);
  }

  /// Visits the open directory `fd` (stat `st`, previous record
  /// `before`): reuses or reads its entries, then (below the root) enters
  /// its subdirectories. Returns its record, or nullptr when it could not
  /// be read or the walk was cancelled.
  record_ptr visit(int fd, const std::string& rel, const struct stat& st,
                   int depth, const record_ptr& before, series_acc& acc);

  std::shared_ptr<dir_record> read(int fd, const std::string& rel,
                                   const struct stat& st, int depth,
                                   series_acc& acc);
  void add_file(int fd, const char* name, const std::string& rel, int depth,
                dir_record& r, series_acc& acc);
  void add_entry(int fd, const char* name, unsigned char type,
                 const std::string& rel, int depth, dir_record& r,
                 series_acc& acc);

  const walk_options& opt_;
  walk_env& env_;
  const walk_state* prev_;
  walk_result& out_;
  walk_shared& shared_;
  std::int64_t start_ns_ = 0;
  bool stop_ = false;
};

} // namespace detail
} // namespace kumo::scanner
