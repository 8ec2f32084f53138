#pragma once

// Target paths of downloads, relative to the library root, built from the
// configurable `path_template`, e.g.
//   {folder}/Season {season:02}/{name} - S{season:02}E{episode:02}.{ext}
// Placeholders: folder, name, key, season, episode, ext; season and episode
// take an optional zero-padded width (:0N, N = 1..9). Every substituted text
// is sanitized, and the result is always a relative path without "." or ".."
// segments, so it cannot leave the library root.

#include "kumo/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kumo::queue {

/// The values substituted into a path template.
struct path_values {
  std::string folder; ///< series folder (display/filesystem metadata)
  std::string name;   ///< series display name
  std::string key;    ///< series key
  int season = 0;
  int episode = 0;
  std::string ext; ///< without the dot
};

class path_template {
public:
  /// The template used when none is configured.
  static constexpr const char* default_text =
      "{folder}/Season {season:02}/{name} - S{season:02}E{episode:02}.{ext}";

  /// Parses `text`. Fails on unknown placeholders, bad widths, unbalanced
  /// braces, a missing {season} or {episode} (every episode needs its own
  /// file), and literal text that makes the path absolute or escape the root.
  static result<path_template> parse(const std::string& text);

  /// Renders the path for `values`. Fails when a substituted value is empty
  /// after sanitization or the result is not a safe relative path.
  result<std::string> render(const path_values& values) const;

private:
  struct piece {
    bool literal = true;
    std::string text; ///< literal text, or the placeholder name
    int width = 0;    ///< zero-padding width for numbers, 0: none
  };

  std::vector<piece> pieces_;
};

/// Makes `text` safe as (part of) one path component: '/', '\\' and control
/// characters become '_', leading dots and spaces and trailing dots and
/// spaces are removed, the result is cut to 200 bytes (on a UTF-8 boundary),
/// and reserved device names (CON, NUL, COM1, ...) get a '_' prefix. May
/// return "" (e.g. for "..").
std::string sanitize_component(std::string_view text);

/// The extension of the last segment of the URL's path when it is 1..5 ASCII
/// letters/digits (lowercased; playlists m3u8/m3u give "mp4", the container
/// an HLS stream is remuxed into; web page or
/// script extensions give "mp4"), otherwise "mp4".
std::string extension_from_url(std::string_view url);

/// Returns "" when `path` is a safe relative path (non-empty segments, none
/// "." or "..", none longer than 255 bytes, no backslash or control
/// character, not absolute), otherwise the reason.
std::string unsafe_path_reason(std::string_view path);

} // namespace kumo::queue
