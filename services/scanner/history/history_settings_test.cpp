#include "history/history_settings.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

TEST(history_settings, defaults_keep_thirty_days_and_purge_daily) {
  history_settings s;
  EXPECT_EQ(s.keep(), 30 * 86400s);
  EXPECT_EQ(s.purge_interval_s, 86400);
  auto same = apply_history(json{{"queue", {{"max_retries", 3}}}}, s);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, s) << "a document without the section changes nothing";
}

TEST(history_settings, fields_present_replace_their_value) {
  auto s = apply_history(json{{"history", {{"keep_days", 7}}}}, {});
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keep(), 7 * 86400s);
  EXPECT_EQ(s->purge_interval_s, 86400);
  auto both = apply_history(
      json{{"history", {{"keep_days", 3650}, {"purge_interval_s", 0}}}}, *s);
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(both->keep_days, 3650);
  EXPECT_EQ(both->purge_interval_s, 0);
}

TEST(history_settings, bad_values_change_nothing_and_name_the_field) {
  history_settings current{12, 600};
  // Tried: 0, -5, text, a fraction, 1e12, 2^64-1, past 3650 days, null; an
  // interval of -1 and past a year; a section that is not an object.
  std::vector<std::pair<json, std::string>> cases = {
      {{{"keep_days", 0}}, "history.keep_days"},
      {{{"keep_days", -5}}, "history.keep_days"},
      {{{"keep_days", "x"}}, "history.keep_days"},
      {{{"keep_days", 1.5}}, "history.keep_days"},
      {{{"keep_days", 1e12}}, "history.keep_days"},
      {{{"keep_days", UINT64_MAX}}, "history.keep_days"},
      {{{"keep_days", 3651}}, "history.keep_days"},
      {{{"keep_days", nullptr}}, "history.keep_days"},
      {{{"keep_days", 5}, {"purge_interval_s", -1}},
       "history.purge_interval_s"},
      {{{"purge_interval_s", 31'536'001}}, "history.purge_interval_s"},
      {json::array(), "history"},
  };
  // As they arrive over the bus: parsed text (non-negative numbers are
  // unsigned there).
  cases.emplace_back(json::parse(R"({"keep_days": 0})"), "history.keep_days");
  for (const auto& [section, field] : cases) {
    auto s = apply_history(json{{"history", section}}, current);
    ASSERT_FALSE(s) << section.dump();
    EXPECT_EQ(s.error().field, field) << section.dump();
  }
}

TEST(history_settings, the_request_carries_the_cutoff_and_batch) {
  EXPECT_EQ(purge_request({2, 60}, 500),
            (json{{"older_than_s", 172'800}, {"batch", 500}}));
}

TEST(history_settings, replies_add_up_until_nothing_more) {
  purge_totals t;
  auto more = t.add_reply(json{
      {"items", 500}, {"events", 2000}, {"deliveries", 3}, {"more", true}});
  ASSERT_TRUE(more);
  EXPECT_TRUE(*more);
  more = t.add_reply(
      json{{"items", 7}, {"events", 20}, {"deliveries", 0}, {"more", false}});
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  t.scans = 4;
  EXPECT_EQ(t.requests, 2);
  EXPECT_EQ(t.summary({30, 86400}), (json{{"items", 507},
                                          {"events", 2020},
                                          {"deliveries", 3},
                                          {"scans", 4},
                                          {"keep_days", 30}}));
}

TEST(history_settings, an_error_or_malformed_reply_adds_nothing) {
  purge_totals t;
  for (const auto& bad :
       {json{{"error", {{"code", "unavailable"}, {"message", "db down"}}}},
        json{{"items", -1}, {"events", 0}, {"deliveries", 0}, {"more", false}},
        json{{"items", 1}, {"events", 0}, {"deliveries", 0}},
        json{{"items", "1"}, {"events", 0}, {"deliveries", 0}, {"more", true}},
        json::array(), json(nullptr)}) {
    auto more = t.add_reply(bad);
    EXPECT_FALSE(more) << bad.dump();
  }
  EXPECT_EQ(t.items + t.events + t.deliveries + t.requests, 0);
}

} // namespace
} // namespace kumo::scanner
