#pragma once

// Conversion of /api/series and /api/library requests into the scanner's
// bus requests (kumo.scanner.cmd.<op>, docs/library.md). Pure: strings in,
// JSON or the offending field out; no httplib, CAF or NATS.
//
// The scanner is the authority on what a request may hold (ranges, lengths,
// known sort keys, unknown body fields). The gateway only converts: query
// strings to typed values, the path key checked against the slug rule, a
// body that must be a JSON object. What cannot be converted is refused here
// with the field it concerns, and nothing is sent.

#include "service_answers.hpp"

#include <cstddef>
#include <map>
#include <string>

namespace kumo::gateway {

/// Query parameters as the HTTP library hands them over (decoded, every
/// occurrence kept).
using query_params = std::multimap<std::string, std::string>;

/// Longest series key the routes accept.
constexpr size_t max_series_key_bytes = 100;

/// True for a series key: lowercase ASCII letters and digits in words
/// joined by single hyphens, 1..max_series_key_bytes bytes.
bool is_route_series_key(const std::string& key);

/// GET /api/series: q (text, "" = none), monitored and has_missing
/// (true|false), sort and order (text), limit and offset (integers).
/// Refuses unknown or repeated parameters.
checked_request check_series_list(const query_params& params);

/// GET /api/series/{key}: {"key"}.
checked_request check_series_key(const std::string& key);

/// POST /api/series: the body object as is.
checked_request check_series_add(const std::string& body);

/// PATCH /api/series/{key}: the body object plus "key" from the path; a
/// "key" in the body must equal the path's.
checked_request check_series_update(const std::string& key,
                                    const std::string& body);

/// DELETE /api/series/{key}?delete_files=true|false: {"key",
/// "delete_files"?}. Refuses unknown or repeated parameters.
checked_request check_series_delete(const std::string& key,
                                    const query_params& params);

/// GET /api/series/{key}/history?limit=N: {"key", "limit"?}. Refuses
/// unknown or repeated parameters.
checked_request check_series_history(const std::string& key,
                                     const query_params& params);

/// A POST whose body is optional: empty means {}, else a JSON object
/// forwarded as is (POST /api/series/rescan, /api/library/scan/cancel,
/// /api/library/import-legacy).
checked_request check_optional_body(const std::string& body);

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
/// code points past U+10FFFF).
bool is_utf8(const std::string& text);

} // namespace kumo::gateway
