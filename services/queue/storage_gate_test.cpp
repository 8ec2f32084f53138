#include "storage_gate.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;
using json = nlohmann::json;

TEST(storage_gate, slots_stop_once_usage_and_reserve_reach_the_limit) {
  EXPECT_EQ(storage_slots(0, 0, 0, {5, 5, 5}), 3) << "no limit";
  EXPECT_EQ(storage_slots(100, 0, 100, {1}), 0) << "at the limit";
  EXPECT_EQ(storage_slots(60, 30, 100, {20, 20}), 1)
      << "active downloads' bytes are reserved; one item may cross";
  EXPECT_EQ(storage_slots(0, 0, 100, {-1, -1, 50, 60, 10}), 4)
      << "unknown sizes count 0";
  EXPECT_EQ(storage_slots(0, 0, 100, {}), 0);
}

TEST(storage_gate, full_needs_a_limit_eviction_off_and_known_usage) {
  storage_gate g;
  EXPECT_FALSE(g.view().full());
  ASSERT_TRUE(g.apply_config({{"library", {{"storage_limit_bytes", 100}}}}));
  EXPECT_FALSE(g.view().full()) << "usage not heard yet";
  EXPECT_EQ(g.view().claim_limit(), 0);
  ASSERT_TRUE(g.apply_usage({{"used_bytes", 100}, {"files", 3}}));
  EXPECT_TRUE(g.view().full());
  EXPECT_EQ(g.view().claim_limit(), 100);
  auto changed = g.apply_config({{"library", {{"evict_when_full", 1}}}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, std::vector<std::string>{"library.evict_when_full"});
  EXPECT_FALSE(g.view().full()) << "eviction makes room instead";
}

TEST(storage_gate, one_transition_each_way) {
  storage_gate g;
  EXPECT_EQ(g.take_transition(), std::nullopt);
  ASSERT_TRUE(g.apply_config({{"library", {{"storage_limit_bytes", 10}}}}));
  ASSERT_TRUE(g.apply_usage({{"used_bytes", 20}}));
  EXPECT_EQ(g.take_transition(), std::optional<bool>(true));
  ASSERT_TRUE(g.apply_usage({{"used_bytes", 30}}));
  EXPECT_EQ(g.take_transition(), std::nullopt) << "still full: no new event";
  ASSERT_TRUE(g.apply_config({{"library", {{"storage_limit_bytes", 100}}}}));
  EXPECT_EQ(g.take_transition(), std::optional<bool>(false));
  EXPECT_EQ(g.take_transition(), std::nullopt);
}

TEST(storage_gate, bad_values_name_their_field_and_change_nothing) {
  storage_gate g;
  ASSERT_TRUE(g.apply_config({{"library", {{"storage_limit_bytes", 10}}}}));
  for (const auto& [doc, field] : std::vector<std::pair<json, std::string>>{
           {{{"library", {{"storage_limit_bytes", -1}}}},
            "library.storage_limit_bytes"},
           {{{"library", {{"storage_limit_bytes", "5"}}}},
            "library.storage_limit_bytes"},
           {{{"library", {{"evict_when_full", 2}}}}, "library.evict_when_full"},
           {{{"library", 3}}, "library"}}) {
    auto got = g.apply_config(doc);
    ASSERT_FALSE(got) << doc.dump();
    EXPECT_EQ(got.error().field, field);
  }
  EXPECT_EQ(g.view().limit_bytes, 10);
  EXPECT_FALSE(g.apply_usage({{"used_bytes", -5}}));
  EXPECT_FALSE(g.apply_usage(json::array()));
  EXPECT_FALSE(g.view().usage_known);
}

TEST(storage_gate, status_names_the_reason_only_when_full) {
  storage_gate g;
  json reply = json::object();
  add_storage_status(reply, g.view());
  EXPECT_TRUE(reply["paused_reason"].is_null());
  EXPECT_TRUE(reply["storage"]["used_bytes"].is_null());
  ASSERT_TRUE(g.apply_config({{"library", {{"storage_limit_bytes", 10}}}}));
  ASSERT_TRUE(g.apply_usage({{"used_bytes", 10}}));
  add_storage_status(reply, g.view());
  EXPECT_EQ(reply["paused_reason"], "storage_limit");
  EXPECT_EQ(reply["storage"]["used_bytes"], 10);
  EXPECT_EQ(reply["storage"]["full"], true);
}
