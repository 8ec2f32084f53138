// The queue store's limits against a real PostgreSQL: one target path per
// episode, jobs whose workers keep dying, and paged status lists.

#include "store_test_support.hpp"

#include <set>
#include <thread>

using namespace kumo;
using namespace kumo::queue;
using namespace kumo::queue::store_testing;
using namespace std::chrono_literals;

namespace {

class store_limits_test : public store_test {};

/// An add of `serie` S01E<episode> whose folder is `folder`.
json add_in_folder(const std::string& serie, const std::string& folder,
                   const std::string& name, int episode) {
  auto body = add_body(serie, episode, 1);
  body["serie_folder"] = folder;
  body["serie_name"] = name;
  return body;
}

} // namespace

TEST_F(store_limits_test, a_target_path_belongs_to_one_episode) {
  auto s = make_store();
  auto first = must(
      s->execute(parse("add", add_in_folder("show-a", "Show", "Show", 1))));
  auto first_id = first.reply["items"][0]["id"].get<std::string>();
  auto path = first.reply["items"][0]["target_path"].get<std::string>();
  auto events_before = scalar("SELECT count(*) FROM queue_events");
  // Tried: another series with the same folder and episode name renders the
  // same target path: refused, naming the owner, nothing written.
  auto clash =
      s->execute(parse("add", add_in_folder("show-b", "Show", "Show", 1)));
  ASSERT_FALSE(clash);
  EXPECT_EQ(code_of(clash.error()), errc::conflict);
  auto why = message_of(clash.error());
  EXPECT_NE(why.find(path), std::string::npos) << why;
  EXPECT_NE(why.find(first_id), std::string::npos) << why;
  EXPECT_NE(why.find("show-a S01E01"), std::string::npos) << why;
  // Tried: the same clash spelled with another letter case and slashes.
  auto upper = add_in_folder("show-c", "SHOW", "SHOW", 1);
  EXPECT_EQ(error_of(s->execute(parse("add", upper))), errc::conflict);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_items"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_events"), events_before);
  // Tried: a batch whose first episode is new and second clashes: the whole
  // add is refused and the first path is not kept.
  auto batch = add_in_folder("show-b", "Show", "Show", 2);
  batch["episodes"].push_back(episodes(1, 1)[0]);
  EXPECT_EQ(error_of(s->execute(parse("add", batch))), errc::conflict);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_path_owners"), 1);
  // The owner's own episode may come back once it completed.
  auto job = claim(*s)[0];
  must(s->execute(command{report(job, "completed", 10)}));
  auto again = must(
      s->execute(parse("add", add_in_folder("show-a", "Show", "Show", 1))));
  EXPECT_EQ(again.reply["items"].size(), 1u);
  // Removing every item holding the path releases it.
  for (const auto& id :
       {first_id, again.reply["items"][0]["id"].get<std::string>()})
    must(s->execute(parse("remove", {{"id", id}})));
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_path_owners"), 0);
  EXPECT_TRUE(
      s->execute(parse("add", add_in_folder("show-b", "Show", "Show", 1))));
}

TEST_F(store_limits_test, concurrent_adds_of_one_path_let_exactly_one_win) {
  // The database decides, not a check-then-insert in the service: two
  // stores (two connections) race to add the same path for two series.
  for (int round = 0; round < 5; ++round) {
    sql("TRUNCATE queue_items, queue_events, queue_path_owners");
    auto a = make_store();
    auto b = make_store();
    caf::expected<outcome> ra{outcome{}};
    caf::expected<outcome> rb{outcome{}};
    std::thread ta{[&] {
      ra = a->execute(parse("add", add_in_folder("race-a", "Race", "Race", 1)));
    }};
    std::thread tb{[&] {
      rb = b->execute(parse("add", add_in_folder("race-b", "Race", "Race", 1)));
    }};
    ta.join();
    tb.join();
    EXPECT_NE(static_cast<bool>(ra), static_cast<bool>(rb))
        << "round " << round;
    auto& lost = ra ? rb : ra;
    if (!lost)
      EXPECT_EQ(code_of(lost.error()), errc::conflict);
    EXPECT_EQ(scalar("SELECT count(*) FROM queue_items"), 1);
  }
}

TEST_F(store_limits_test, a_job_whose_lease_keeps_expiring_fails) {
  store_options o;
  o.lease_ms = 100;
  o.max_lease_expirations = 3;
  auto s = make_store(o);
  auto id = add(*s, "poison", 1, 1)[0];
  for (int expiry = 1; expiry <= 3; ++expiry) {
    // A worker claims the job and dies: no heartbeat, no report.
    auto job = claim(*s, 1, "w" + std::to_string(expiry));
    ASSERT_EQ(job.size(), 1u) << "expiry " << expiry;
    std::this_thread::sleep_for(250ms);
    auto reaped = must(s->execute(command{reap_command{}}));
    EXPECT_EQ(reaped.fx.lease_expirations, 1);
    ASSERT_EQ(reaped.fx.lifecycle.size(), 1u);
    if (expiry < 3) {
      EXPECT_EQ(reaped.fx.poisoned, 0);
      EXPECT_EQ(reaped.fx.lifecycle[0].status, "pending");
      EXPECT_EQ(text("SELECT status FROM queue_items"), "pending");
    } else {
      EXPECT_EQ(reaped.fx.poisoned, 1);
      EXPECT_EQ(reaped.fx.lifecycle[0].status, "failed");
    }
  }
  EXPECT_EQ(text("SELECT status FROM queue_items"), "failed");
  EXPECT_EQ(text("SELECT error FROM queue_items"),
            "lease expired 3 times: the worker handling it kept dying");
  EXPECT_EQ(events(id, "lease_expired"), 3);
  EXPECT_EQ(events(id, "failed"), 1);
  EXPECT_EQ(text("SELECT detail->>'reason' FROM queue_events WHERE event = "
                 "'failed'"),
            "lease_expirations");
  EXPECT_TRUE(claim(*s).empty()) << "a failed job is not handed out again";
  // A user retry starts the count again.
  must(s->execute(parse("retry", {{"ids", {id}}})));
  EXPECT_EQ(scalar("SELECT lease_expirations FROM queue_items"), 0);
  EXPECT_EQ(claim(*s).size(), 1u);
}

TEST_F(store_limits_test, status_pages_every_list_in_a_stable_order) {
  auto s = make_store();
  add(*s, "low", 1, 30, "low");
  add(*s, "high", 1, 25, "high");
  add(*s, "normal", 1, 20, "normal");
  std::vector<std::string> expected;
  for (const auto& row :
       sql("SELECT id::text FROM queue_items WHERE status = 'pending' "
           "ORDER BY priority DESC, queued_at, seq"))
    expected.push_back(row[0].as<std::string>());
  ASSERT_EQ(expected.size(), 75u);
  std::vector<std::string> seen;
  json query = {{"limit", 20}};
  int pages = 0;
  for (;; ++pages) {
    ASSERT_LT(pages, 10) << "the cursor does not advance";
    auto st = must(s->execute(parse("status", query))).reply;
    EXPECT_LE(st["pending_queue"].size(), 20u);
    EXPECT_EQ(st["pages"]["pending_queue"]["total"], 75);
    EXPECT_EQ(st["pages"]["pending_queue"]["limit"], 20);
    EXPECT_EQ(st["pages"]["completed_downloads"]["total"], 0);
    EXPECT_TRUE(st["pages"]["failed_downloads"]["next_cursor"].is_null());
    for (const auto& item : st["pending_queue"])
      seen.push_back(item["id"]);
    auto next = st["pages"]["pending_queue"]["next_cursor"];
    if (next.is_null())
      break;
    query["cursors"]["pending_queue"] = next;
  }
  EXPECT_EQ(pages + 1, 4);
  EXPECT_EQ(seen, expected) << "every item once, in claim order";
  // The default page and the largest one.
  auto first = must(s->execute(parse("status", json::object()))).reply;
  EXPECT_EQ(first["pending_queue"].size(), 50u);
  EXPECT_EQ(first["pages"]["pending_queue"]["limit"], 50);
  EXPECT_FALSE(parse_command("status", {{"limit", 201}}));
  EXPECT_FALSE(
      parse_command("status", {{"cursors", {{"pending_queue", "x"}}}}));
}
