#pragma once

// The rules of safe resumption: where to continue a partial file, and what to
// do with the server's answer. Pure functions; the transfer applies them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kumo::downloader {

/// A parsed `Content-Range` header.
struct content_range {
  int64_t first = -1; ///< -1 for "bytes */N"
  int64_t last = -1;
  int64_t total = -1; ///< -1 for "bytes a-b/*"
};

/// Parses "bytes a-b/N", "bytes a-b/*" and "bytes */N". Returns nullopt for
/// anything else (other units, last < first, a range beyond the total).
std::optional<content_range> parse_content_range(std::string_view text);

/// The validator to store and send in `If-Range`: a strong ETag when the
/// server gives one, else Last-Modified, else "" (resuming is then unsafe).
/// Weak ETags ("W/...") never match in If-Range, so they are skipped.
std::string choose_validator(std::string_view etag,
                             std::string_view last_modified);

enum class resume_kind {
  fresh,   ///< nothing was downloaded before
  range,   ///< continue at `offset` with Range + If-Range
  restart, ///< earlier data exists but cannot be trusted: start at 0
};

struct resume_plan {
  int64_t offset = 0;
  resume_kind kind = resume_kind::fresh;
};

/// Where to continue: min(size of the .part (-1: missing), the durable offset
/// the queue recorded), but only with a validator to prove the server still
/// has the same file; without one, start over.
resume_plan plan_resume(int64_t part_size, int64_t bytes_done,
                        const std::string& validator);

/// What the server answered, as far as resuming is concerned.
struct response_head {
  long status = 0;
  std::optional<content_range> range; ///< parsed Content-Range, if any
  bool has_range_header = false;      ///< a Content-Range was present
  int64_t content_length = -1;        ///< -1: unknown (chunked)
  std::string validator;              ///< choose_validator() of the answer
};

/// What we asked for.
struct request_facts {
  int64_t offset = 0;         ///< Range start sent (0: no Range header)
  std::string sent_validator; ///< If-Range value sent ("" when none)
  int64_t resumed_total = -1; ///< total size of the file being resumed
  int64_t expected_size = -1; ///< size the source promises, -1 unknown
  /// Last byte asked from offset 0 (`Range: bytes=0-<n>`), -1: to the end.
  int64_t asked_last = -1;
};

enum class response_action {
  write_from_offset, ///< 206 at our offset (or 200 for a fresh start)
  write_from_zero,   ///< 200 to a Range request: truncate, write from 0
  complete,          ///< 416 and the partial file already holds everything
  refetch_from_zero, ///< unusable partial answer: truncate, ask again without
                     ///< Range
  fail_permanent,    ///< retrying will not help (404, 410, 403, 400, ...)
  fail_transient,    ///< worth retrying later (408, 429, 5xx, ...)
};

struct response_decision {
  response_action action = response_action::fail_transient;
  int64_t total = -1; ///< full size of the file when known
  std::string reason; ///< for failures and refetches
};

/// Classifies a response. Accepts a 206 only when its Content-Range starts
/// exactly at our offset, reaches the end, agrees with every known total and
/// (when the server names one) carries the validator we sent. A 206 that
/// ends exactly at `asked_last`, before the end of the file, is refetched
/// from zero without Range (after a conflicting total fails as any other).
response_decision classify_response(const response_head& head,
                                    const request_facts& facts);

/// True for HTTP statuses worth retrying later: 408, 425, 429 and 5xx.
bool is_transient_status(long status);

} // namespace kumo::downloader
