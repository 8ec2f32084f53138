#include "auth/auth_policy.hpp"
#include "openapi.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

using json = nlohmann::json;
using namespace kumo::gateway;

namespace {

json document() {
  return json::parse(openapi_document());
}

std::string concrete(std::string path) {
  auto at = path.find("{id}");
  if (at != std::string::npos)
    path.replace(at, 4, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  return path;
}

TEST(openapi, is_an_openapi_3_document) {
  auto doc = document();
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.0", 0), 0u);
  EXPECT_TRUE(doc["info"].contains("title"));
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearerAuth"));
}

TEST(openapi, describes_every_auth_queue_series_and_library_route) {
  auto paths = document()["paths"];
  std::set<std::pair<std::string, std::string>> expected{
      {"/api/health", "get"},
      {"/api/openapi.json", "get"},
      {"/api/auth/setup", "post"},
      {"/api/auth/login", "post"},
      {"/api/auth/logout", "post"},
      {"/api/auth/status", "get"},
      {"/api/queue/status", "get"},
      {"/api/queue/add", "post"},
      {"/api/queue/start", "post"},
      {"/api/queue/stop", "post"},
      {"/api/queue/pause", "post"},
      {"/api/queue/resume", "post"},
      {"/api/queue/retry", "post"},
      {"/api/queue/completed", "delete"},
      {"/api/queue/{id}", "get"},
      {"/api/queue/{id}", "delete"},
      {"/api/queue/{id}/pause", "post"},
      {"/api/queue/{id}/resume", "post"},
      {"/api/queue/{id}/cancel", "post"},
      {"/api/queue/{id}/priority", "post"},
      {"/api/series", "get"},
      {"/api/series", "post"},
      {"/api/series/rescan", "post"},
      {"/api/series/{key}", "get"},
      {"/api/series/{key}", "patch"},
      {"/api/series/{key}", "delete"},
      {"/api/library/scan", "get"},
      {"/api/library/scan/cancel", "post"},
      {"/api/library/unmatched", "get"},
      {"/api/library/import-legacy", "post"},
      {"/api/events", "get"},
      {"/api/providers/health", "get"},
      {"/api/providers/health/{name}", "get"},
      {"/api/providers/health/{name}/reset", "post"},
      {"/api/providers/available", "get"},
      {"/api/providers/best", "get"},
      {"/api/providers/config", "get"},
      {"/api/providers/config/{name}", "get"},
      {"/api/providers/config/{name}", "put"},
      {"/api/providers/config/{name}/enable", "post"},
      {"/api/providers/config/{name}/disable", "post"},
      {"/api/providers/failover", "get"},
      {"/api/providers/failover/{name}/add", "post"},
      {"/api/providers/failover/{name}", "delete"},
      {"/api/keys", "get"},
      {"/api/keys", "post"},
      {"/api/keys/{id}", "delete"},
      {"/api/config", "get"},
      {"/api/config", "put"},
      {"/api/config/validate", "post"},
      {"/api/config/backups", "get"},
      {"/api/config/backups/{name}/restore", "post"}};
  for (const auto& [path, method] : expected) {
    ASSERT_TRUE(paths.contains(path)) << path;
    EXPECT_TRUE(paths[path].contains(method)) << method << " " << path;
  }
  EXPECT_TRUE(
      paths["/api/events"]["get"]["responses"]["200"]["content"].contains(
          "text/event-stream"));
}

TEST(openapi, public_operations_match_the_auth_guard) {
  // The document must outlive the loop: items() only views it.
  auto doc = document();
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) {
      bool documented_public =
          op.contains("security") && op["security"].empty();
      EXPECT_EQ(documented_public, is_public_path(concrete(path)))
          << method << " " << path;
      if (!documented_public) {
        EXPECT_TRUE(op["responses"].contains("401")) << method << " " << path;
      }
    }
}

TEST(openapi, every_reference_resolves) {
  auto doc = document();
  std::vector<const json*> todo{&doc};
  size_t refs = 0;
  while (!todo.empty()) {
    const json* node = todo.back();
    todo.pop_back();
    if (node->is_object()) {
      for (const auto& [key, value] : node->items()) {
        if (key == "$ref") {
          ++refs;
          auto ref = value.get<std::string>();
          ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
          EXPECT_NO_THROW(doc.at(json::json_pointer(ref.substr(1)))) << ref;
        } else {
          todo.push_back(&value);
        }
      }
    } else if (node->is_array()) {
      for (const auto& value : *node)
        todo.push_back(&value);
    }
  }
  EXPECT_GT(refs, 10u);
}

} // namespace
