#pragma once

// Runs a media tool (ffmpeg, ffprobe, yt-dlp) as a child process: an argv
// array handed to posix_spawnp (no shell), standard input from /dev/null,
// standard output and error read line by line, a deadline, and a stop check.
// Blocking: call it only from a job's own thread.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::downloader {

struct process_spec {
  std::vector<std::string> argv; ///< argv[0] is looked up on PATH
  std::string cwd;               ///< working directory; also HOME of the child
  std::chrono::milliseconds timeout{60'000};
  /// Asked every ~100 ms; false kills the child.
  std::function<bool()> may_continue;
  /// Each line the child writes (stdout and stderr merged), without '\n'.
  std::function<void(std::string_view)> on_line;
};

struct process_result {
  bool started = false; ///< false: `error` says why (e.g. not installed)
  bool timed_out = false;
  bool stopped = false; ///< may_continue() said no
  int exit_code = -1;   ///< -1 when killed by a signal
  std::string error;    ///< for !started
  std::string tail;     ///< the last lines the child wrote (≤ 2 KiB)
};

/// Starts `spec.argv` in its own process group with a small fixed
/// environment (PATH, LANG, HOME and XDG folders pointing at `cwd`: no user
/// configuration or plugins are found), reads its output until it exits,
/// and kills the whole group on timeout or stop. A program missing from
/// PATH gives started = false and "<program> is not installed".
process_result run_process(const process_spec& spec);

/// One line describing a failed run, e.g. "ffmpeg exited with 1: <tail>".
std::string describe_failure(const std::string& program,
                             const process_result& r);

} // namespace kumo::downloader
