#pragma once

// HLS playlists (RFC 8216), pure: text in, a checked description out. Only
// video on demand is accepted (a media playlist must end with
// EXT-X-ENDLIST); every URI is resolved against the playlist's own URL and
// must be http or https. Limits keep a hostile playlist from costing more
// than a bounded amount of memory and work.

#include "kumo/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::providers::hls {

/// Bounds applied while parsing.
struct limits {
  size_t max_bytes = 4u << 20;  ///< whole playlist
  size_t max_line = 8192;       ///< one line
  size_t max_segments = 20'000; ///< e.g. 11 hours of 2 s segments
  size_t max_variants = 64;     ///< streams of a master playlist
  double max_segment_seconds = 600;
};

/// One stream of a master playlist (EXT-X-STREAM-INF).
struct variant {
  std::string url; ///< absolute
  int64_t bandwidth = 0;
  int width = 0; ///< 0 when RESOLUTION is absent
  int height = 0;
};

/// EXT-X-KEY METHOD=AES-128 in force for a segment.
struct aes_key {
  std::string url;                           ///< absolute http(s)
  std::optional<std::array<uint8_t, 16>> iv; ///< absent: media sequence
};

/// EXT-X-BYTERANGE of a segment: `length` bytes from `offset`.
struct byte_range {
  int64_t length = 0;
  int64_t offset = 0;
};

struct segment {
  std::string url; ///< absolute
  double duration = 0;
  int64_t sequence = 0;       ///< media sequence number
  std::optional<aes_key> key; ///< absent: not encrypted
  std::optional<byte_range> range;
};

/// A media playlist of a finished (VOD) presentation.
struct media_playlist {
  int64_t media_sequence = 0;
  double target_duration = 0;
  std::vector<segment> segments;

  /// Sum of the segment durations, in seconds.
  double total_seconds() const;
};

struct master_playlist {
  std::vector<variant> variants; ///< in playlist order
};

/// Either kind: exactly one of the two is set.
struct playlist {
  std::optional<master_playlist> master;
  std::optional<media_playlist> media;
};

/// Parses `text` fetched from `url` (absolute http(s)). Fails with a
/// sentence naming the problem: not a playlist, a line or the text too
/// long, too many segments or variants, a live playlist (no
/// EXT-X-ENDLIST), a duration that is negative, not a number or too long,
/// an encryption method other than NONE or AES-128, an IV that is not 32
/// hex digits, a URI that is not http(s).
result<playlist> parse(std::string_view text, const std::string& url,
                       const limits& lim = {});

/// `ref` resolved against the absolute http(s) URL `base` (RFC 3986,
/// section 5.2). Fails when the result is not http(s) or `ref` holds
/// characters a URL may not contain.
result<std::string> resolve_url(const std::string& base, std::string_view ref);

/// Chooses a variant by quality: "best" (highest resolution, then
/// bandwidth), "worst" (lowest), or a maximum height such as "720" or
/// "720p" (the best variant at most that tall; the smallest one when none
/// is). Fails on an empty list or an unknown quality.
result<variant> choose_variant(const master_playlist& master,
                               std::string_view quality);

/// Whether `quality` is one choose_variant() understands.
bool valid_quality(std::string_view quality);

/// The IV of a segment: the key's own, else its media sequence number as a
/// 128-bit big-endian integer.
std::array<uint8_t, 16> segment_iv(const segment& s);

} // namespace kumo::providers::hls
