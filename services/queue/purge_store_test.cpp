// The history purge (kumo.queue.cmd.purge) against a real PostgreSQL:
// only finished items, their events, orphaned events and finished
// deliveries older than the cutoff go; everything else stays as it was.

#include "store_test_support.hpp"

#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::queue;
using namespace kumo::queue::store_testing;

namespace {

constexpr int64_t day = 86'400;

class purge_store_test : public store_test {
protected:
  /// Sets an item's status and makes it (and its events) `days` old; its
  /// completed_at too, also for an active item, so only its status keeps
  /// it.
  void age_item(const std::string& id, const std::string& status, int days) {
    auto ago = "now() - interval '" + std::to_string(days) + " days'";
    sql("UPDATE queue_items SET status = '" + status + "', added_at = " + ago +
        ", queued_at = " + ago + ", updated_at = " + ago +
        ", completed_at = " + ago + " WHERE id = '" + id + "'");
    sql("UPDATE queue_events SET at = " + ago + " WHERE item_id = '" + id +
        "'");
    sql("INSERT INTO queue_events (item_id, event, at) VALUES ('" + id +
        "', 'claimed', " + ago + ")");
  }

  void delivery(const std::string& key, const std::string& status, int days) {
    auto ago = "now() - interval '" + std::to_string(days) + " days'";
    bool finished = status == "delivered" || status == "failed";
    sql("INSERT INTO notify_deliveries (target_id, event, event_key, status,"
        " created_at, finished_at) SELECT id, 'download_completed', '" +
        key + "', '" + status + "', " + ago + ", " + (finished ? ago : "NULL") +
        " FROM notify_targets");
  }

  /// Every row the purge must not touch, as text.
  std::string kept_image() {
    return text("SELECT string_agg(x, '|' ORDER BY x) FROM ("
                " SELECT q::text AS x FROM queue_items q UNION ALL"
                " SELECT e::text FROM queue_events e UNION ALL"
                " SELECT d::text FROM notify_deliveries d) t");
  }

  json purge(queue_store& s, int64_t batch) {
    return must(s.execute(parse(
                    "purge", {{"older_than_s", 30 * day}, {"batch", batch}})))
        .reply;
  }
};

TEST_F(purge_store_test, removes_only_old_finished_history_in_batches) {
  sql("TRUNCATE notify_targets CASCADE");
  sql("INSERT INTO notify_targets (name, kind, url, secret) VALUES"
      " ('hook', 'webhook', 'http://127.0.0.1:1/', 's')");
  auto s = make_store();
  auto ids = add(*s, "p", 1, 8);
  age_item(ids[0], "completed", 40);
  age_item(ids[1], "failed", 40);
  age_item(ids[2], "cancelled", 400);
  age_item(ids[3], "completed", 29); // finished recently: kept
  age_item(ids[4], "pending", 400);  // active, whatever its age
  age_item(ids[5], "paused", 400);
  auto job = claim(*s);
  ASSERT_EQ(job.size(), 1u);
  sql("UPDATE queue_events SET at = now() - interval '400 days'"
      " WHERE item_id = '" +
      job[0].id + "'");
  sql("UPDATE queue_items SET added_at = now() - interval '400 days'"
      " WHERE id = '" +
      job[0].id + "'");
  sql("INSERT INTO queue_events (item_id, event, at) VALUES"
      " (NULL, 'cleared', now() - interval '40 days'),"
      " (gen_random_uuid(), 'removed', now() - interval '40 days'),"
      " (NULL, 'cleared', now() - interval '29 days')");
  delivery("old-ok", "delivered", 40);
  delivery("old-given-up", "failed", 40);
  delivery("old-pending", "pending", 40);
  delivery("old-sending", "sending", 40);
  delivery("new-ok", "delivered", 29);

  auto old_events =
      scalar("SELECT count(*) FROM queue_events WHERE item_id IN ('" + ids[0] +
             "', '" + ids[1] + "', '" + ids[2] + "')");
  ASSERT_GE(old_events, 6);
  // What must stay, read before the purge with the doomed rows left out.
  auto doomed = "('" + ids[0] + "', '" + ids[1] + "', '" + ids[2] + "')";
  auto kept_before =
      text("SELECT string_agg(x, '|' ORDER BY x) FROM ("
           " SELECT q::text AS x FROM queue_items q WHERE id NOT IN " +
           doomed +
           " UNION ALL SELECT e::text FROM queue_events e WHERE"
           "  (item_id IS NULL OR item_id IN (SELECT id FROM queue_items))"
           "  AND coalesce(item_id::text, '') NOT IN " +
           doomed +
           "  AND NOT (item_id IS NULL AND at < now() - interval '30 days')"
           " UNION ALL SELECT d::text FROM notify_deliveries d"
           "  WHERE event_key NOT IN ('old-ok', 'old-given-up')) t");

  int64_t items = 0, events = 0, deliveries = 0, requests = 0;
  for (bool more = true; more; ++requests) {
    ASSERT_LT(requests, 10);
    auto reply = purge(*s, 1);
    ASSERT_LE(reply["items"].get<int64_t>(), 1);
    ASSERT_LE(reply["deliveries"].get<int64_t>(), 1);
    items += reply["items"].get<int64_t>();
    events += reply["events"].get<int64_t>();
    deliveries += reply["deliveries"].get<int64_t>();
    more = reply["more"];
  }
  EXPECT_GE(requests, 3) << "a batch of 1 takes one item per request";
  EXPECT_EQ(items, 3);
  EXPECT_EQ(events, old_events + 2) << "their events, one queue-level event "
                                       "and one of a removed item";
  EXPECT_EQ(deliveries, 2);
  // The purge notes itself; apart from that note nothing else changed.
  sql("DELETE FROM queue_events WHERE event = 'purged'");
  EXPECT_EQ(kept_image(), kept_before);

  auto again = purge(*s, 500);
  EXPECT_EQ(again["items"], 0);
  EXPECT_EQ(again["events"], 0);
  EXPECT_EQ(again["deliveries"], 0);
  EXPECT_EQ(again["more"], false);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_events WHERE event = 'purged'"),
            0)
      << "a purge that removed nothing leaves no note";
}

TEST_F(purge_store_test, a_refused_request_changes_nothing) {
  auto s = make_store();
  auto ids = add(*s, "r", 1, 1);
  age_item(ids[0], "completed", 4000);
  auto before = kept_image();
  // Tried: no age, an age under one day, a text age, a fraction, an age
  // past 3650 days, a batch of 0, an unknown field.
  for (const auto& body :
       {json::object(), json{{"older_than_s", 60}}, json{{"older_than_s", "x"}},
        json{{"older_than_s", 1e12}}, json{{"older_than_s", 3651 * day}},
        json{{"older_than_s", 30 * day}, {"batch", 0}},
        json{{"older_than_s", 30 * day}, {"everything", true}}})
    EXPECT_FALSE(parse_command("purge", body)) << body.dump();
  EXPECT_EQ(kept_image(), before);
}

} // namespace
