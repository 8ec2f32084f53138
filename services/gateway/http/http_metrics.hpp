#pragma once

// The gateway's HTTP metrics: every answered request counted by method,
// route template and status, and timed by route. Labels come from
// route_labels, so their number stays bounded whatever clients send.

#include "http/route_labels.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string_view>

namespace kumo::gateway {

/// Route label of requests refused before routing (head too large, too
/// slow, bad framing: request_limits.hpp).
inline constexpr std::string_view refused_route = "refused";

class http_metrics {
public:
  /// Registers kumo_http_requests_total{method,route,status} and
  /// kumo_http_request_duration_seconds{route} in `registry`.
  http_metrics(prometheus::Registry& registry, route_labels labels);

  /// Counts one answered request. The event stream (/api/events) is
  /// counted but not timed: its duration is the length of a session.
  void observe(std::string_view method, std::string_view path, int status,
               double seconds);

  /// Counts a request refused before routing; `status` as answered.
  void observe_refused(int status, double seconds);

private:
  void record(std::string_view method, std::string_view route, int status,
              double seconds);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  route_labels labels_;
};

} // namespace kumo::gateway
