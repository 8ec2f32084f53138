#pragma once

// Live watch of a library root with inotify: every folder the walk would
// enter is watched (new folders as they appear, dropped when deleted or
// moved out), and changes to episode files come out in coalesced batches
// (watch_batch.hpp). A completed download (`x.part` written, linked as
// `x.mkv`, `.part` moved aside and deleted) gives one file_appeared for
// `x.mkv` and nothing else. File-system adapter: no CAF, NATS or pqxx; one
// owner thread polls fd() and calls drain().

#include "kumo/result.hpp"
#include "watch/watch_batch.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kumo::scanner {

namespace detail {
struct watch_tree;
} // namespace detail

struct watch_options {
  /// A batch is released once no change came for this long...
  std::chrono::milliseconds settle{200};
  /// ...or this long after its first change when changes keep coming.
  std::chrono::milliseconds max_delay{2000};
  /// At most this many folders are watched; past it the watch is degraded
  /// as when the kernel's limit (fs.inotify.max_user_watches) is reached.
  std::size_t max_watches = 1'000'000;
};

class library_watch {
public:
  using clock = std::chrono::steady_clock;

  /// Starts watching `root` and every folder below it that the walk would
  /// enter (symlinks are never followed: folders are opened with
  /// O_NOFOLLOW relative to their parent and watched through their
  /// descriptor). Fails when inotify cannot be initialised (too many
  /// instances) or the root cannot be opened or watched. Reaching the watch
  /// limit does not fail: see degraded().
  static result<library_watch> open(const std::string& root,
                                    const watch_options& options = {});

  library_watch(library_watch&&) noexcept;
  library_watch& operator=(library_watch&&) noexcept;
  ~library_watch();

  /// Readable (POLLIN) when kernel events wait. Poll it with a timeout of
  /// at most until due_at(), then call drain().
  int fd() const;

  /// Reads the waiting kernel events without blocking and returns the
  /// batch due at `now` (empty when none is due yet). A folder that
  /// appears is watched and its episode files are reported; the kernel
  /// queue overflowing gives one `rescan` event (and the watches are
  /// re-established over the whole tree).
  std::vector<watch_event> drain(clock::time_point now = clock::now());

  /// When the pending batch is due; nullopt when nothing is pending.
  std::optional<clock::time_point> due_at() const;

  /// True once a folder could not be watched because the watch limit was
  /// reached: changes below it are missed, so the service must fall back
  /// to periodic rescans. degraded_reason() says why, in one line.
  bool degraded() const;
  const std::string& degraded_reason() const;

  /// Folders watched now.
  std::size_t watched() const;

  /// What drain() does when the kernel reports IN_Q_OVERFLOW (public so the
  /// branch can be tested without filling the kernel's queue).
  void on_overflow(clock::time_point now);

private:
  explicit library_watch(std::unique_ptr<detail::watch_tree> s);
  std::unique_ptr<detail::watch_tree> s_;
};

} // namespace kumo::scanner
