#include "live_settings.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;
using json = nlohmann::json;

namespace {

live_settings defaults() {
  return live_settings{retry_policy{{5'000, 15'000}, 3}, 0};
}

} // namespace

TEST(live_settings, a_document_changes_the_retry_limit_at_once) {
  auto s = defaults();
  auto changed = s.apply({{"queue", {{"max_retries", 0}}}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, std::vector<std::string>{"queue.max_retries"});
  EXPECT_EQ(s.retries().max_retries(), 0);
  EXPECT_FALSE(s.retries().next_delay_ms(0, true)) << "no retry left";
  EXPECT_EQ(s.retries().delays_ms(), (std::vector<int64_t>{5'000, 15'000}));
}

TEST(live_settings, delays_and_rate_limit_follow_too) {
  auto s = defaults();
  ASSERT_TRUE(s.apply(
      {{"queue", {{"retry_delays", "1s,2s"}, {"job_rate_limit", 4096}}}}));
  EXPECT_EQ(s.retries().delays_ms(), (std::vector<int64_t>{1'000, 2'000}));
  EXPECT_EQ(s.job_rate_limit_bps(), 4096);
  EXPECT_EQ(s.retries().max_retries(), 3);
}

TEST(live_settings, a_bad_value_changes_nothing) {
  auto s = defaults();
  for (const json& doc :
       {json{{"queue", {{"max_retries", 0}, {"retry_delays", "soon"}}}},
        json{{"queue", {{"max_retries", 500}}}},
        json{{"queue", {{"max_retries", "2"}}}},
        json{{"queue", {{"job_rate_limit", -1}, {"max_retries", 0}}}},
        json{{"queue", 7}}}) {
    EXPECT_FALSE(s.apply(doc)) << doc.dump();
    EXPECT_EQ(s.retries().max_retries(), 3) << doc.dump();
    EXPECT_EQ(s.job_rate_limit_bps(), 0) << doc.dump();
  }
}

TEST(live_settings, documents_without_a_queue_section_are_ignored) {
  auto s = defaults();
  auto changed = s.apply({{"scanner", {{"x", 1}}}});
  ASSERT_TRUE(changed);
  EXPECT_TRUE(changed->empty());
  EXPECT_TRUE(s.apply(json::array()));
}
