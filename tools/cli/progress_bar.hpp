#pragma once

#include <cstdint>
#include <string>

namespace kumo::cli {

/// What one line of the live queue view shows about a download.
struct bar_state {
  std::string id;           ///< item id
  std::string title;        ///< any UTF-8 (sanitized when rendered)
  std::string status;       ///< pending, downloading, paused, completed, ...
  double percent = -1;      ///< 0..100, negative when unknown
  std::int64_t current = 0; ///< bytes done
  std::int64_t total = -1;  ///< bytes, negative when unknown
  std::int64_t speed_bps = 0;
  std::int64_t eta_seconds = -1;
};

/// One terminal line for `s` taking at most `width` columns (never more;
/// an empty string for width 0). From the widest to the narrowest layout:
/// `title [#####.....]  42.0%  1.50 MiB/s  ETA 0:35`, then without the bar,
/// then title and percent, then only the title cut to fit. `title_columns`
/// (when not 0) is the title's column count to lay out for instead of its
/// own, so that the bars of several lines start in the same column.
std::string render_bar(const bar_state& s, std::size_t width,
                       std::size_t title_columns = 0);

/// A self-contained line for logs and pipes (no bar, no width limit):
/// `<id> <status> <percent> <done>/<total> <speed> ETA <eta> <title>`.
std::string render_plain(const bar_state& s);

} // namespace kumo::cli
