#include "format.hpp"

#include <gtest/gtest.h>

using namespace kumo::cli;
using nlohmann::json;

namespace {

TEST(format, error_message_of_the_gateway_shape) {
  EXPECT_EQ(error_message(400, R"({"error":{"code":"invalid_argument",)"
                               R"("field":"episodes[0].season",)"
                               R"("message":"must be between 0 and 1000"}})"),
            "episodes[0].season: must be between 0 and 1000 (HTTP 400)");
  EXPECT_EQ(error_message(409, R"({"error":{"code":"conflict"}})"),
            "conflict (HTTP 409)");
}

TEST(format, error_message_of_anything_else) {
  EXPECT_EQ(error_message(502, "<html>\x1b[2J bad gateway</html>"),
            "HTTP 502: <html>?[2J bad gateway</html>");
  EXPECT_EQ(error_message(500, ""), "HTTP 500");
  EXPECT_EQ(error_message(500, R"({"error": "flat"})"),
            R"(HTTP 500: {"error": "flat"})");
}

TEST(format, queue_lists_items_and_counts) {
  auto status = json::parse(R"({
    "is_running": true, "is_paused": false,
    "counts": {"downloading": 1, "pending": 0, "failed": 1},
    "active_downloads": [{"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
      "status": "downloading", "priority": "high", "season": 1,
      "episode": 2, "bytes_done": 1024, "bytes_total": 2048,
      "serie_name": "Show"}],
    "failed_downloads": [{"id": "x", "status": "failed", "season": 1,
      "episode": 3, "error": "HTTP 404\u001b[31m", "serie_id": "show"}],
    "pages": {"failed_downloads": {"total": 3}}})");
  auto text = format_queue(status);
  EXPECT_NE(text.find("queue: running (downloading 1, failed 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("S01E02  1.00 KiB/2.00 KiB"), std::string::npos) << text;
  EXPECT_NE(text.find("error: HTTP 404?[31m"), std::string::npos) << text;
  EXPECT_NE(text.find("2 more in failed_downloads"), std::string::npos);
}

TEST(format, hostile_shapes_do_not_throw) {
  for (auto doc : {R"([])", R"(null)", R"("text")",
                   R"({"is_running": "yes", "counts": [1],
                       "active_downloads": {"a": 1},
                       "pending_queue": [1, null, {"season": "x"}],
                       "pages": 7})",
                   R"({"services": [], "items": "x", "seasons": {}})",
                   R"({"services": {"q": 1}, "items": [1, "a"],
                       "seasons": [1, {"episodes": 2}]})"}) {
    auto j = json::parse(doc);
    EXPECT_NO_THROW(format_queue(j)) << doc;
    EXPECT_NO_THROW(format_health(j)) << doc;
    EXPECT_NO_THROW(format_added(j)) << doc;
    EXPECT_NO_THROW(format_series_list(j)) << doc;
    EXPECT_NO_THROW(format_series_detail(j)) << doc;
    EXPECT_NO_THROW(format_scan(j)) << doc;
  }
}

TEST(format, health_lists_services) {
  auto text = format_health(json::parse(R"({"status": "degraded",
    "services": {"queue": {"status": "down", "instances": []},
                 "gateway": {"status": "up", "version": "0.1.0",
                             "instances": [{}]}}})"));
  EXPECT_NE(text.find("gateway: degraded"), std::string::npos) << text;
  EXPECT_NE(text.find("queue        down      0 instance(s)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("version 0.1.0"), std::string::npos);
}

TEST(format, scan_line) {
  auto text = format_scan(json::parse(
      R"({"id": "s1", "state": "complete", "folders": 3, "files": 10,
        "added": 2})"));
  EXPECT_EQ(text, "scan s1: complete, folders 3, files 10, added 2, removed 0, "
                  "changed 0\n");
}

TEST(format, scan_ids_are_numbers) {
  // The scanner's scan ids are integers: they must be shown and compared,
  // not taken for a missing id.
  auto text = format_scan(json::parse(R"({"id": 7, "state": "running"})"));
  EXPECT_EQ(text.rfind("scan 7: running", 0), 0u) << text;
  EXPECT_EQ(id_of(json::parse(R"({"id": 42})"), "id"), "42");
  EXPECT_EQ(id_of(json::parse(R"({"id": "scan:42"})"), "id"), "scan:42");
  EXPECT_EQ(id_of(json::parse(R"({"id": 1.5})"), "id", "?"), "?");
  EXPECT_EQ(id_of(json::parse(R"({})"), "id"), "");
}

} // namespace
