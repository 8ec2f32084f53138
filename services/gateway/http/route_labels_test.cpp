#include "http/route_labels.hpp"
#include "openapi.hpp"

#include <gtest/gtest.h>
#include <set>

namespace kumo::gateway {
namespace {

route_labels sample() {
  return route_labels{{"/api/queue/{id}", "/api/queue/completed",
                       "/api/queue/{id}/pause", "/api/events",
                       "/api/tasks/{name}/run"}};
}

TEST(route_labels, a_parameter_matches_any_one_segment) {
  auto labels = sample();
  EXPECT_EQ(labels.label("/api/queue/42"), "/api/queue/{id}");
  EXPECT_EQ(labels.label("/api/queue/42/pause"), "/api/queue/{id}/pause");
  EXPECT_EQ(labels.label("/api/tasks/rescan/run"), "/api/tasks/{name}/run");
}

TEST(route_labels, a_literal_segment_wins_over_a_parameter) {
  EXPECT_EQ(sample().label("/api/queue/completed"), "/api/queue/completed");
}

TEST(route_labels, hostile_paths_share_one_label) {
  // Tried: unknown routes, extra and empty segments, traversal, a huge
  // segment, bytes outside ASCII: all are "unmatched", no new label.
  auto labels = sample();
  for (const char* path :
       {"/api/nope", "/api/queue/42/pause/extra", "/api/queue//pause",
        "/api/queue/", "/api/../etc/passwd", "/api/\xff\xfe", "/api"})
    EXPECT_EQ(labels.label(path), unmatched_route) << path;
  EXPECT_EQ(labels.label("/api/x" + std::string(100'000, 'a')),
            unmatched_route);
}

TEST(route_labels, paths_outside_the_api_are_the_web_ui) {
  auto labels = sample();
  EXPECT_EQ(labels.label("/"), web_route);
  EXPECT_EQ(labels.label("/assets/app.js"), web_route);
  EXPECT_EQ(labels.label("/apiary"), web_route);
}

TEST(route_labels, methods_outside_http_s_set_are_other) {
  EXPECT_EQ(route_labels::method_label("PATCH"), "PATCH");
  EXPECT_EQ(route_labels::method_label("get"), "other");
  EXPECT_EQ(route_labels::method_label("BREW"), "other");
  EXPECT_EQ(route_labels::method_label(std::string(5000, 'X')), "other");
}

TEST(route_labels, every_documented_route_is_its_own_label) {
  auto paths = openapi_paths(openapi_document());
  ASSERT_TRUE(paths) << paths.error();
  ASSERT_GT(paths->size(), 40u);
  route_labels labels{*paths};
  for (const auto& path : *paths) {
    std::string concrete;
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] != '{') {
        concrete += path[i];
        continue;
      }
      concrete += "x1";
      i = path.find('}', i);
    }
    EXPECT_EQ(labels.label(concrete), path) << concrete;
  }
}

TEST(route_labels, a_document_without_paths_is_refused) {
  EXPECT_FALSE(openapi_paths("not json"));
  EXPECT_FALSE(openapi_paths("{\"openapi\":\"3.0.3\"}"));
  EXPECT_FALSE(openapi_paths("{\"paths\":[]}"));
}

} // namespace
} // namespace kumo::gateway
