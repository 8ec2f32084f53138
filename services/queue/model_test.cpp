#include "model.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;

TEST(model, priority_parsing) {
  EXPECT_EQ(parse_priority("high"), priority::high);
  EXPECT_EQ(parse_priority("Normal"), priority::normal);
  EXPECT_EQ(parse_priority("LOW"), priority::low);
  EXPECT_EQ(parse_priority(0), priority::low);
  EXPECT_EQ(parse_priority(1), priority::normal);
  EXPECT_EQ(parse_priority(2), priority::high);
  EXPECT_EQ(parse_priority(3), std::nullopt);
  EXPECT_EQ(parse_priority(-1), std::nullopt);
  EXPECT_EQ(parse_priority(1.5), std::nullopt);
  EXPECT_EQ(parse_priority("urgent"), std::nullopt);
  EXPECT_EQ(parse_priority(nullptr), std::nullopt);
  EXPECT_EQ(priority_from_rank(7), priority::normal);
}

TEST(model, statuses_round_trip) {
  for (auto s :
       {"pending", "downloading", "paused", "completed", "failed", "cancelled"})
    EXPECT_STREQ(to_string(*parse_status(s)), s);
  EXPECT_EQ(parse_status("done"), std::nullopt);
}

TEST(model, item_json_follows_the_contract) {
  queue_item i;
  i.id = "id-1";
  i.serie_id = "one-piece";
  i.serie_name = "One Piece";
  i.season = 1;
  i.episode = 2;
  i.status = item_status::downloading;
  i.prio = priority::high;
  i.bytes_done = 250;
  i.bytes_total = 1000;
  i.speed_bps = 100;
  i.lease_token = "secret-token";
  i.added_at = "2024-01-01T00:00:00.000Z";
  auto j = to_json(i);
  EXPECT_EQ(j["status"], "downloading");
  EXPECT_EQ(j["priority"], "high");
  EXPECT_DOUBLE_EQ(j["progress"].get<double>(), 25.0);
  EXPECT_EQ(j["eta_seconds"], 8);
  EXPECT_TRUE(j["started_at"].is_null());
  EXPECT_TRUE(j["next_attempt_at"].is_null());
  EXPECT_FALSE(j.contains("lease_token"))
      << "the lease token is for the worker only";
  EXPECT_EQ(display_title(i), "One Piece S01E02");
  i.status = item_status::paused;
  EXPECT_EQ(to_json(i)["eta_seconds"], -1);
  EXPECT_EQ(to_json(i)["speed_bps"], 0);
  i.bytes_total = -1;
  EXPECT_DOUBLE_EQ(progress_percent(i), 0.0);
  i.status = item_status::completed;
  EXPECT_DOUBLE_EQ(progress_percent(i), 100.0);
}

TEST(model, counts_are_complete) {
  auto c = complete_counts({{"pending", 3}});
  EXPECT_EQ(c.size(), 6u);
  EXPECT_EQ(c["pending"], 3);
  EXPECT_EQ(c["failed"], 0);
}
