#pragma once

// What the gateway accepts in a request head, checked before the HTTP
// library parses the head or reads any byte of the body. The library
// (cpp-httplib 0.11) would otherwise inflate compressed bodies without a
// bound, read chunked bodies past its payload limit and keep any number of
// header lines. Pure: no I/O, no HTTP library.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kumo::gateway {

struct request_limits {
  /// Request line plus header lines plus the blank line.
  size_t max_head_bytes = size_t{16} * 1024;
  /// Header lines (the request line not counted).
  size_t max_header_lines = 100;
  /// Content-Length of a body.
  size_t max_body_bytes = 1 << 20;
};

/// Where the head in `data` ends (the offset just past its blank line), or
/// nullopt when `data` does not hold a whole head yet.
std::optional<size_t> find_head_end(std::string_view data);

/// A head the gateway refuses, with the answer it gets.
struct head_refusal {
  int status;
  std::string code;    ///< the JSON error code
  std::string message; ///< what the client must change
};

/// The outcome of check_request_head: the body's length, or why not.
struct head_verdict {
  size_t content_length = 0;
  std::optional<head_refusal> refusal;
};

/// Checks a whole head (as delimited by find_head_end): at most
/// `max_header_lines` header lines; no Transfer-Encoding (chunked: 411,
/// anything else: 400); Content-Encoding absent or identity (else 415); one
/// decimal Content-Length of at most `max_body_bytes` (else 400 / 413).
head_verdict check_request_head(std::string_view head,
                                const request_limits& limits);

/// The refusal for a head that grew past `max_head_bytes` (431).
head_refusal head_too_large(const request_limits& limits);

} // namespace kumo::gateway
