#pragma once

// The bounded label a request is counted under in the gateway's HTTP
// metrics: the OpenAPI path template it matches ("/api/queue/{id}"), never
// the raw path a client chose, so a stranger sending random paths or
// methods adds no new time series. Pure: no I/O, no HTTP library.

#include "kumo/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kumo::gateway {

/// Label of paths outside /api/ (the web UI and its assets).
inline constexpr std::string_view web_route = "web";
/// Label of /api/ paths that match no documented route.
inline constexpr std::string_view unmatched_route = "unmatched";

/// The path templates under "paths" of an OpenAPI document; fails when the
/// text is not JSON or has no "paths" object.
result<std::vector<std::string>> openapi_paths(const std::string& document);

/// Matches request paths against path templates, segment by segment; a
/// `{name}` segment matches any one non-empty segment. Where several match,
/// the one with the most literal segments wins ("/api/queue/completed"
/// before "/api/queue/{id}").
class route_labels {
public:
  explicit route_labels(const std::vector<std::string>& templates);

  /// The template `path` matches, web_route for a path outside /api/, or
  /// unmatched_route. The answer refers to this object's storage.
  std::string_view label(std::string_view path) const;

  /// One of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or "other".
  static std::string_view method_label(std::string_view method);

private:
  struct pattern {
    std::string text;
    std::vector<std::string> segments; ///< "" stands for a parameter
    size_t literals = 0;
  };
  std::vector<pattern> patterns_;
};

} // namespace kumo::gateway
