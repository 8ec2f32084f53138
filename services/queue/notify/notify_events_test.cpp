#include "notify_events.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;
using namespace kumo::queue::notify;

TEST(notify_events, a_finished_scan_is_an_event_once_per_scan_and_status) {
  auto ev = event_from_bus(
      "kumo.progress.scan",
      R"({"id":"scan:7","kind":"scan","status":"completed","metadata":{"scan":{"id":7}}})");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "scan.finished");
  EXPECT_EQ(ev->key, "scan:7:completed");
  EXPECT_EQ(ev->payload["scan"]["id"], 7);
  EXPECT_FALSE(event_from_bus("kumo.progress.scan",
                              R"({"id":"scan:7","status":"in_progress"})"));
}

TEST(notify_events, breaker_open_and_closed_but_not_half_open) {
  auto ev = event_from_bus("kumo.events.provider.breaker",
                           R"({"provider":"direct","state":"open"})");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "provider.breaker");
  EXPECT_EQ(ev->payload["state"], "open");
  EXPECT_FALSE(event_from_bus("kumo.events.provider.breaker",
                              R"({"provider":"direct","state":"half_open"})"));
  EXPECT_FALSE(
      event_from_bus("kumo.events.provider.breaker", R"({"state":"open"})"));
  EXPECT_FALSE(event_from_bus("kumo.events.provider.breaker", "not json"));
}

TEST(notify_events, new_episodes_pass_through_and_oversized_is_dropped) {
  auto ev = event_from_bus("kumo.events.series.new_episodes",
                           R"({"key":"show","episodes":[{"season":1}]})");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "series.new_episodes");
  EXPECT_EQ(ev->payload["key"], "show");
  std::string big = R"({"key":")" + std::string(70'000, 'x') + R"("})";
  EXPECT_FALSE(event_from_bus("kumo.events.series.new_episodes", big));
}

TEST(notify_events, item_payloads_name_the_episode) {
  queue_item item;
  item.id = "i1";
  item.serie_id = "show";
  item.season = 1;
  item.episode = 2;
  item.target_path = "Show/S01E02.mkv";
  item.bytes_done = 10;
  auto p = imported_payload(item, "ab");
  EXPECT_EQ(p["path"], "Show/S01E02.mkv");
  EXPECT_EQ(p["sha256"], "ab");
  item.error = "HTTP 404";
  EXPECT_EQ(failed_payload(item, "permanent_error")["error"], "HTTP 404");
}
