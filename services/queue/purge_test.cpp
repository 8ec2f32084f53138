#include "purge.hpp"

#include <gtest/gtest.h>

namespace kumo::queue {
namespace {

using json = nlohmann::json;

TEST(purge, a_request_takes_its_age_and_a_default_batch) {
  auto cmd = parse_purge(json{{"older_than_s", 2 * min_purge_age_s}});
  ASSERT_TRUE(cmd) << cmd.error();
  EXPECT_EQ(cmd->older_than_s, 2 * min_purge_age_s);
  EXPECT_EQ(cmd->batch, default_purge_batch);
  auto small =
      parse_purge(json{{"older_than_s", max_purge_age_s}, {"batch", 1}});
  ASSERT_TRUE(small) << small.error();
  EXPECT_EQ(small->batch, 1);
}

TEST(purge, bad_requests_fail_naming_the_field) {
  struct bad_case {
    json body;
    const char* field;
  };
  // Tried: no age, 0, -5, one second under a day, text, a fraction, 1e12,
  // 2^64-1, a batch of 0, of -1, past the limit, as text, an unknown field,
  // an array body.
  std::vector<bad_case> cases = {
      {json::object(), "older_than_s"},
      {json{{"older_than_s", 0}}, "older_than_s"},
      {json{{"older_than_s", -5}}, "older_than_s"},
      {json{{"older_than_s", min_purge_age_s - 1}}, "older_than_s"},
      {json{{"older_than_s", "x"}}, "older_than_s"},
      {json{{"older_than_s", 86400.5}}, "older_than_s"},
      {json{{"older_than_s", 1e12}}, "older_than_s"},
      {json{{"older_than_s", UINT64_MAX}}, "older_than_s"},
      {json{{"older_than_s", max_purge_age_s + 1}}, "older_than_s"},
      {json{{"older_than_s", min_purge_age_s}, {"batch", 0}}, "batch"},
      {json{{"older_than_s", min_purge_age_s}, {"batch", -1}}, "batch"},
      {json{{"older_than_s", min_purge_age_s}, {"batch", max_purge_batch + 1}},
       "batch"},
      {json{{"older_than_s", min_purge_age_s}, {"batch", "5"}}, "batch"},
      {json{{"older_than_s", min_purge_age_s}, {"all", true}}, "all"},
      {json::array(), ""},
  };
  // The same as they arrive over the bus: parsed text, where non-negative
  // numbers are unsigned.
  for (const char* text : {R"({"older_than_s": 0})", R"({"older_than_s": 60})",
                           R"({"older_than_s": 86400, "batch": 0})"})
    cases.push_back(
        {json::parse(text), std::string(text).find("batch") == std::string::npos
                                ? "older_than_s"
                                : "batch"});
  for (const auto& c : cases) {
    auto cmd = parse_purge(c.body);
    ASSERT_FALSE(cmd) << c.body.dump();
    EXPECT_EQ(cmd.error().code, errc::invalid_argument);
    EXPECT_EQ(cmd.error().field, c.field) << c.body.dump();
  }
}

TEST(purge, a_full_batch_of_any_kind_means_more_may_remain) {
  EXPECT_FALSE(purge_may_have_more({2, 40, 1, 3}, 5));
  EXPECT_TRUE(purge_may_have_more({5, 0, 0, 0}, 5));
  EXPECT_TRUE(purge_may_have_more({0, 5, 0, 5}, 5));
  EXPECT_FALSE(purge_may_have_more({0, 50, 0, 0}, 5))
      << "events of purged items follow their items, they bound nothing";
  EXPECT_TRUE(purge_may_have_more({0, 0, 5, 0}, 5));
  auto reply = purge_reply({5, 12, 1, 2}, {86'400, 5});
  EXPECT_EQ(reply, (json{{"items", 5},
                         {"events", 12},
                         {"deliveries", 1},
                         {"more", true},
                         {"older_than_s", 86'400}}));
}

} // namespace
} // namespace kumo::queue
