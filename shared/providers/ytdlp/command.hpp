#pragma once

// yt-dlp as a subprocess, pure part: the command lines Kumo runs, the
// options a configuration may add (an allowlist), and the reading of its
// output. Nothing here starts a process.

#include "kumo/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::providers::ytdlp {

/// The options a configuration may set. Everything else yt-dlp knows
/// (--exec, --output, --config-location(s), plugins, external downloaders,
/// cookies, proxies, ...) is refused.
struct options {
  std::string format;         ///< -f / --format, "" for yt-dlp's default
  int64_t rate_limit_bps = 0; ///< -r / --limit-rate, 0 for none
  /// --socket-timeout in seconds (the provider's timeout_s), 0 for none;
  /// set by Kumo, never parsed from an option text.
  int64_t socket_timeout_s = 0;
};

/// Parses a space-separated option text such as "-f best --limit-rate 2M".
/// Accepted: -f/--format FORMAT, -r/--limit-rate RATE (bytes per second,
/// optional K/M/G suffix), each also as --name=value. Anything else fails
/// with a sentence naming the option.
result<options> parse_options(std::string_view text);

/// The first line of output Kumo asks for with --progress-template.
constexpr const char* progress_prefix = "kumo-progress ";

/// argv (argv[0] = `program`) that downloads `url` into exactly `output`
/// (an absolute path Kumo chose): no configuration files, no cache, no
/// proxy, no playlists, progress one line at a time, `--` before the URL.
std::vector<std::string> download_argv(const std::string& program,
                                       const options& opts,
                                       const std::string& url,
                                       const std::string& output);

/// argv that lists the entries of a playlist URL without downloading them
/// (--flat-playlist -J).
std::vector<std::string> playlist_argv(const std::string& program,
                                       const std::string& url);

/// One progress line.
struct progress {
  int64_t downloaded = 0;
  int64_t total = -1; ///< -1: unknown
  int64_t speed_bps = 0;
};

/// Reads a line written by the progress template; nullopt for any other
/// line (yt-dlp's own messages).
std::optional<progress> parse_progress(std::string_view line);

/// An entry of a playlist.
struct entry {
  std::string id;
  std::string url;
  std::string title;
};

/// Reads yt-dlp's -J answer for a flat playlist (or a single video, which
/// lists itself). Fails on text that is not such a JSON document. At most
/// `max_entries` entries are read.
result<std::vector<entry>> parse_playlist(std::string_view json,
                                          size_t max_entries = 10'000);

} // namespace kumo::providers::ytdlp
