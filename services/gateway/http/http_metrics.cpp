#include "http/http_metrics.hpp"

#include <string>

namespace kumo::gateway {

namespace {

constexpr std::string_view event_stream_route = "/api/events";

const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  return buckets;
}

} // namespace

http_metrics::http_metrics(prometheus::Registry& registry, route_labels labels)
    : requests_(prometheus::BuildCounter()
                    .Name("kumo_http_requests_total")
                    .Help("HTTP requests the gateway answered, by method, "
                          "route template and status.")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("kumo_http_request_duration_seconds")
                     .Help("Time from a request's head to its answer, by "
                           "route template (the event stream not timed).")
                     .Register(registry)),
      labels_(std::move(labels)) {
  // nop
}

void http_metrics::observe(std::string_view method, std::string_view path,
                           int status, double seconds) {
  record(route_labels::method_label(method), labels_.label(path), status,
         seconds);
}

void http_metrics::observe_refused(int status, double seconds) {
  record("other", refused_route, status, seconds);
}

void http_metrics::record(std::string_view method, std::string_view route,
                          int status, double seconds) {
  std::string route_text{route};
  requests_
      .Add({{"method", std::string{method}},
            {"route", route_text},
            {"status", std::to_string(status)}})
      .Increment();
  if (route != event_stream_route)
    durations_.Add({{"route", route_text}}, duration_buckets())
        .Observe(seconds);
}

} // namespace kumo::gateway
