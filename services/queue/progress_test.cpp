#include "progress.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;

TEST(progress, download_update_carries_series_and_bytes) {
  queue_item i;
  i.id = "abc";
  i.serie_id = "attack-on-titan";
  i.serie_folder = "Attack on Titan (2013)";
  i.serie_name = "Attack on Titan";
  i.season = 1;
  i.episode = 2;
  i.status = item_status::pending;
  i.bytes_done = 50;
  i.bytes_total = 200;
  auto u = download_update({i, "pending", {{"retry_in_seconds", 15}}});
  EXPECT_EQ(u.id, "download:abc");
  EXPECT_EQ(u.kind, "download");
  EXPECT_EQ(u.status, "pending");
  EXPECT_EQ(u.title, "Attack on Titan S01E02");
  EXPECT_EQ(u.key, "attack-on-titan");
  EXPECT_EQ(u.folder, "Attack on Titan (2013)");
  EXPECT_EQ(u.current, 50);
  EXPECT_EQ(u.total, 200);
  EXPECT_EQ(u.metadata["retry_in_seconds"], 15);
}

TEST(progress, queue_update_has_counts_and_switches) {
  auto u = queue_update("pause", {{"pending", 2}}, {true, true});
  EXPECT_EQ(u.id, "download_queue");
  EXPECT_EQ(u.kind, "queue");
  EXPECT_EQ(u.status, "in_progress");
  EXPECT_EQ(u.metadata["action"], "pause");
  EXPECT_EQ(u.metadata["queue_status"]["is_paused"], true);
  EXPECT_EQ(u.metadata["queue_status"]["counts"]["pending"], 2);
  EXPECT_EQ(u.metadata["queue_status"]["counts"]["failed"], 0);
}
