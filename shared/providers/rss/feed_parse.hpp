#pragma once

// RSS 2.0 and Atom feeds to a series: pure, no I/O. The XML parser
// (pugixml) knows no external entities, reads no DTD and opens no network,
// so entity bombs stay unexpanded text. Items without a usable enclosure
// are skipped with the reason; the feed itself fails only when it is not
// XML, not RSS/Atom, or lists nothing usable at all.

#include "kumo/address_policy.hpp"
#include "provider.hpp"

#include <cstddef>
#include <string_view>

namespace kumo::providers::rss {

struct feed_limits {
  std::size_t max_items = 2000;       ///< items past it are skipped
  std::size_t max_title_bytes = 1000; ///< longer titles are cut (UTF-8 safe)
  std::size_t max_guid_bytes = 500;   ///< longer guids skip their item
  std::size_t max_skip_reasons = 10;  ///< reasons kept in `skipped`
};

/// Parses `text` (a whole feed). Enclosure URLs must pass
/// contracts::source_url_problem with `policy` (http or https, no user
/// info, a literal address only when permitted). Each episode gets one
/// source: provider "hls" for an .m3u8 or HLS-typed enclosure, else "rss".
/// `itunes:season` / `itunes:episode` give the numbers when present.
result<series_details> parse_feed(std::string_view text,
                                  const address_policy& policy,
                                  const feed_limits& limits = {});

/// "YYYY-MM-DD" from an RFC 822 date ("Tue, 03 Jun 2025 09:39:21 GMT") or
/// an ISO 8601 date ("2025-06-03T09:39:21Z"); "" when neither.
std::string feed_date(std::string_view text);

/// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string_view text, std::size_t max);

} // namespace kumo::providers::rss
