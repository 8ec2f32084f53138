#pragma once

// The library walk: finds series folders, season folders and episode files
// under a library root and parses every episode file name. Pure logic apart
// from the file-system calls, which go through `walk_env` so tests can
// inject failures. No CAF, NATS or pqxx.
//
// Layout understood:
//   <root>/<Series Name (2019)>/Season 02/<file>.mkv
//   <root>/<Series Name>/S01/<release folder>/<file>.mkv
//   <root>/<Series Name>/<file>.mkv
// Every directory is opened relative to its parent's descriptor with
// O_NOFOLLOW | O_DIRECTORY, so no path is resolved twice and no symlink is
// ever followed below the root (symlinks are counted, never entered).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct stat;

namespace kumo::scanner {

/// File-system calls of the walk, relative to directory descriptors. Every
/// call returns a negative errno on failure. The default implementation
/// calls the kernel; tests derive from it to fail chosen calls.
class walk_env {
public:
  virtual ~walk_env() = default;
  /// openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC).
  /// With `dir_fd` == AT_FDCWD (the root path only) O_NOFOLLOW is left out:
  /// the root itself may be a symlink the operator chose. Returns the fd.
  virtual int open_dir(int dir_fd, const char* name);
  /// fstatat(dir_fd, name, out, AT_SYMLINK_NOFOLLOW); 0 on success.
  virtual int stat_at(int dir_fd, const char* name, struct stat* out);
  /// Calls `entry(name, d_type)` for each entry of the open directory `fd`
  /// except "." and ".." (getdents64). 0 on success.
  virtual int
  list_dir(int fd,
           const std::function<void(const char*, unsigned char)>& entry);
  /// close(fd).
  virtual void close_dir(int fd);
};

/// One episode file found in a series folder.
struct walked_episode {
  std::string path;          ///< relative to the series folder, '/' separated
  std::optional<int> season; ///< absent for absolute-only numbering
  std::vector<int> episodes; ///< episodes within `season`
  std::vector<int> absolute; ///< absolute (anime) numbers
  bool special = false;      ///< season 0
  std::string air_date;      ///< "YYYY-MM-DD" for daily shows, else ""
  std::uint64_t size = 0;    ///< bytes
  std::int64_t mtime_ns = 0; ///< modification time, ns since the epoch
  std::string resolution;    ///< "1080p", ... or ""
  std::string group;         ///< release group or ""
  std::string source;        ///< "WEB-DL", "BluRay", "HDTV", ... or ""
};

/// What the walk found in one series folder.
struct walked_series {
  std::string folder;      ///< folder name under the root
  std::string name;        ///< folder name without " (Year)"
  std::optional<int> year; ///< from "Name (Year)"
  std::vector<walked_episode> episodes;
  std::vector<std::string> unparsed; ///< video files without numbering
  /// False when a folder of the series could not be read (denied, vanished,
  /// too deep, error): files missing from this result may still exist.
  bool complete = true;
};

/// Counters of one walk. `dirs_reused` directories were not read because
/// their record from the previous walk still matched.
struct walk_stats {
  std::uint64_t dirs = 0;        ///< directories read (getdents)
  std::uint64_t dirs_reused = 0; ///< directories whose listing was reused
  std::uint64_t files = 0;       ///< episode files stat'ed and parsed
  std::uint64_t skipped = 0;     ///< hidden, .part, samples, extras, non-video
  std::uint64_t symlinks = 0;    ///< symlinks seen (never followed)
  std::uint64_t denied = 0;      ///< EACCES/EPERM on open or stat
  std::uint64_t vanished = 0;    ///< ENOENT between listing and use
  std::uint64_t too_deep = 0;    ///< directories beyond max_depth
  std::uint64_t too_long = 0;    ///< names or paths beyond the limits
  std::uint64_t errors = 0;      ///< any other failed call
};

/// What the walk remembers of one directory for the next walk.
struct dir_record;

/// The state a walk leaves for the next one: a tree of per-directory
/// records (each holds its subfolders' records; a series folder's record
/// holds its series), so a rescan finds a folder's record without any
/// lookup by path. Records are immutable and shared between the states of
/// successive walks where nothing changed.
struct walk_state {
  std::shared_ptr<const dir_record> root; ///< null: no (complete) walk
  std::size_t dirs = 0;                   ///< folders recorded
  std::size_t series = 0;                 ///< series recorded
};

/// Progress reported once per directory.
struct walk_progress {
  std::uint64_t dirs_done = 0;  ///< directories read or reused
  std::uint64_t files_done = 0; ///< episode files found so far
};

struct walk_options {
  int max_depth = 8;                 ///< levels below the root that are entered
  std::size_t max_name_bytes = 255;  ///< longer entry names are skipped
  std::size_t max_path_bytes = 4096; ///< longer relative paths are skipped
  /// A directory modified less than this before the walk started is read
  /// again next time (its timestamp may not yet show a change made in the
  /// same clock tick as the read).
  std::int64_t racy_margin_ns = 1'000'000'000;
  /// Checked before each directory; true stops the walk.
  std::function<bool()> cancelled;
  /// Called after each directory.
  std::function<void(const walk_progress&)> progress;
  /// Called once per series folder as soon as its walk ended, with the
  /// series as walk_library will return it (so a caller can use it while
  /// the walk goes on); not called for the folder a cancel stopped. With
  /// threads = 2 it is called from both threads, concurrently.
  std::function<void(const std::shared_ptr<const walked_series>&)> series_done;
  /// File-system calls; nullptr: the kernel.
  walk_env* env = nullptr;
  /// Threads that walk series folders (1 or 2; other values mean 1). With
  /// 2, a second thread takes series folders from the same list as the
  /// calling thread; `cancelled` and `progress` are still called on the
  /// calling thread only (progress then at most once per directory, with
  /// the counts of both threads; the other thread stops at its next
  /// directory after `cancelled` said true), and `env` must be safe to call
  /// from two threads (the kernel's is). The result is the same as with 1.
  int threads = 1;
};

struct walk_result {
  bool ok = false;        ///< false: the root could not be opened
  int root_errno = 0;     ///< why, when !ok
  bool cancelled = false; ///< stopped by `cancelled`; series are partial
  /// Series found, sorted by folder name. Shared with `state`, so a series
  /// whose folders did not change is the previous walk's object.
  std::vector<std::shared_ptr<const walked_series>> series;
  walk_stats stats;
  walk_state state; ///< pass to the next walk; empty when cancelled
};

/// Walks `root`. With `previous` (the state of an earlier walk of the same
/// root), a directory whose inode, mtime and link count are unchanged is
/// not read again and its previous entries are used; its subdirectories are
/// still checked. A file rewritten in place (same name) does not change its
/// directory and is only seen by a walk without `previous`. Never throws on
/// file-system errors: they are counted in `stats`.
walk_result walk_library(const std::string& root, const walk_options& options,
                         const walk_state* previous = nullptr);

/// True when `name` (a file name) has a video extension:
/// mkv mp4 avi m4v webm ts m2ts mov wmv flv ogv mpg mpeg vob divx 3gp rmvb.
bool is_video_name(std::string_view name);

/// Splits "Name (2019)" into name and year; other folders keep their name.
void split_series_folder(std::string_view folder, std::string& name,
                         std::optional<int>& year);

} // namespace kumo::scanner
