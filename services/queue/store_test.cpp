// queue_store against a real PostgreSQL (KUMO_TEST_DATABASE_URL; CTest runs
// it through tests/harness/with_servers.py --pg).

#include "store_test_support.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <gtest/gtest.h>
#include <mutex>
#include <set>
#include <thread>

using namespace kumo;
using namespace kumo::queue;
using namespace kumo::queue::store_testing;
using namespace std::chrono_literals;

TEST_F(store_test, concurrent_claims_hand_out_every_item_exactly_once) {
  auto s = make_store();
  for (int batch = 0; batch < 4; ++batch)
    ASSERT_EQ(add(*s, "many", 1 + batch * 50, 50).size(), 50u);
  std::mutex mx;
  std::vector<std::string> claimed;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      queue_store own{database_url(), {}}; // its own connection
      for (int empty = 0; empty < 3;) {
        auto r = own.execute(
            command{wire::claim_request{"w" + std::to_string(t), 1 + t}});
        if (!r) {
          ADD_FAILURE() << caf::to_string(r.error());
          return;
        }
        auto jobs = r->reply.get<wire::claim_reply>().jobs;
        empty = jobs.empty() ? empty + 1 : 0;
        std::lock_guard<std::mutex> guard{mx};
        for (auto& j : jobs)
          claimed.push_back(j.id);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), 200u);
  EXPECT_EQ(unique.size(), 200u) << "an item was handed out twice";
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_items WHERE status = "
                   "'downloading' AND attempts = 1"),
            200);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_events WHERE event = 'claimed'"),
            200);
  EXPECT_EQ(scalar("SELECT count(DISTINCT lease_token) FROM queue_items"), 200);
}

TEST_F(store_test, stale_tokens_change_nothing) {
  auto s = make_store();
  auto id = add(*s, "stale", 1, 1)[0];
  auto job = claim(*s)[0];
  auto forged = job;
  forged.lease_token = "00000000-0000-4000-8000-000000000000";
  auto before = row_image(id);
  auto events_before = scalar("SELECT count(*) FROM queue_events");
  // Tried: a heartbeat and every report outcome with a token that never owned
  // the job.
  auto hb = beat(*s, forged, 999);
  ASSERT_EQ(hb.lost.size(), 1u);
  EXPECT_EQ(hb.lost[0].status, "downloading")
      << "someone else owns it: keep the file";
  for (auto o :
       {"commit", "completed", "failed", "paused", "cancelled", "released"}) {
    auto r = must(s->execute(command{report(forged, o, 999)}));
    EXPECT_EQ(r.reply["ok"], false) << o;
    EXPECT_EQ(r.reply["reason"], "stale_lease") << o;
    EXPECT_TRUE(r.fx.stale_report);
    EXPECT_TRUE(r.fx.lifecycle.empty());
  }
  EXPECT_EQ(row_image(id), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_events"), events_before);
  // Tried: the previous holder reports after its lease expired and a new claim
  // happened.
  sql("UPDATE queue_items SET lease_expires = now() - interval '1 second'");
  EXPECT_EQ(must(s->execute(command{reap_command{}})).fx.lease_expirations, 1);
  auto second = claim(*s, 1, "w2")[0];
  EXPECT_NE(second.lease_token, job.lease_token);
  before = row_image(id);
  EXPECT_EQ(must(s->execute(command{report(job, "completed", 10)})).reply["ok"],
            false);
  EXPECT_EQ(beat(*s, job).lost.size(), 1u);
  EXPECT_EQ(row_image(id), before);
  EXPECT_EQ(events(id, "completed"), 0);
}

TEST_F(store_test, expired_lease_returns_to_pending_keeping_the_offset) {
  store_options o;
  o.lease_ms = 300;
  auto s = make_store(o);
  auto id = add(*s, "expiry", 1, 1)[0];
  auto job = claim(*s)[0];
  EXPECT_EQ(job.lease_ms, 300);
  EXPECT_TRUE(beat(*s, job, 4096, "\"etag-1\"").lost.empty());
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(must(s->execute(command{reap_command{}})).fx.lease_expirations, 0)
      << "the heartbeat extended the lease";
  std::this_thread::sleep_for(500ms);
  auto reaped = must(s->execute(command{reap_command{}}));
  EXPECT_EQ(reaped.fx.lease_expirations, 1);
  ASSERT_EQ(reaped.fx.lifecycle.size(), 1u);
  EXPECT_EQ(reaped.fx.lifecycle[0].status, "pending");
  EXPECT_EQ(reaped.fx.claimable, 1);
  EXPECT_EQ(text("SELECT status FROM queue_items"), "pending");
  EXPECT_EQ(scalar("SELECT bytes_done FROM queue_items"), 4096);
  EXPECT_EQ(text("SELECT owner FROM queue_items"), "");
  EXPECT_EQ(events(id, "lease_expired"), 1);
  auto again = claim(*s, 1, "w2")[0];
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.bytes_done, 4096);
  EXPECT_EQ(again.validator, "\"etag-1\"");
  EXPECT_EQ(again.attempt, 2);
  EXPECT_NE(again.lease_token, job.lease_token);
}

TEST_F(store_test,
       transient_failure_schedules_a_retry_after_the_configured_delay) {
  store_options o;
  o.retries = *retry_policy::parse("700ms,2s", 2);
  o.retries_override = true; // the process policy, not the provider's
  auto s = make_store(o);
  auto id = add(*s, "flaky", 1, 1)[0];
  auto job = claim(*s)[0];
  beat(*s, job, 1000, "v1");
  auto r = must(s->execute(command{report(job, "failed", 1500, true)}));
  EXPECT_EQ(r.reply["ok"], true);
  EXPECT_EQ(r.fx.retries_scheduled, 1);
  ASSERT_EQ(r.fx.lifecycle.size(), 1u);
  EXPECT_EQ(r.fx.lifecycle[0].status, "pending");
  EXPECT_EQ(r.fx.lifecycle[0].metadata["retry_in_seconds"], 1);
  EXPECT_EQ(text("SELECT status FROM queue_items"), "pending");
  EXPECT_EQ(scalar("SELECT retries FROM queue_items"), 1);
  EXPECT_EQ(scalar("SELECT bytes_done FROM queue_items"), 1500);
  EXPECT_EQ(text("SELECT validator FROM queue_items"), "v1");
  EXPECT_EQ(text("SELECT error FROM queue_items"), "http 503");
  EXPECT_EQ(scalar("SELECT round(extract(epoch FROM not_before - updated_at) * "
                   "1000) FROM queue_items"),
            700);
  auto item = must(s->execute(parse("get", {{"id", id}}))).reply;
  EXPECT_FALSE(item["next_attempt_at"].is_null());
  EXPECT_EQ(events(id, "retry_scheduled"), 1);
  // The same failure report again (answer lost): acknowledged, counted once.
  EXPECT_EQ(
      must(s->execute(command{report(job, "failed", 1500, true)})).reply["ok"],
      true);
  EXPECT_EQ(scalar("SELECT retries FROM queue_items"), 1);
  EXPECT_TRUE(claim(*s).empty()) << "claimed before the retry delay ended";
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(must(s->execute(command{reap_command{}})).fx.newly_due, 1);
  auto second = claim(*s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].bytes_done, 1500);
  must(s->execute(command{report(second[0], "failed", 1500, true)}));
  EXPECT_EQ(scalar("SELECT round(extract(epoch FROM not_before - updated_at) * "
                   "1000) FROM queue_items"),
            2000);
  sql("UPDATE queue_items SET not_before = now()");
  auto third = claim(*s);
  ASSERT_EQ(third.size(), 1u);
  auto last = must(s->execute(command{report(third[0], "failed", 1500, true)}));
  EXPECT_EQ(last.fx.retries_scheduled, 0) << "max_retries 2 reached";
  EXPECT_EQ(text("SELECT status FROM queue_items"), "failed");
  EXPECT_EQ(events(id, "failed"), 1);
}

TEST_F(store_test, permanent_failure_does_not_retry) {
  auto s = make_store();
  auto id = add(*s, "gone", 1, 1)[0];
  auto job = claim(*s)[0];
  auto r = must(s->execute(command{report(job, "failed", 0, false)}));
  EXPECT_EQ(r.fx.retries_scheduled, 0);
  ASSERT_EQ(r.fx.lifecycle.size(), 1u);
  EXPECT_EQ(r.fx.lifecycle[0].status, "failed");
  EXPECT_EQ(text("SELECT status FROM queue_items"), "failed");
  EXPECT_EQ(scalar("SELECT retries FROM queue_items"), 0);
  EXPECT_FALSE(text("SELECT completed_at FROM queue_items").empty());
  EXPECT_EQ(events(id, "failed"), 1);
  EXPECT_TRUE(claim(*s).empty());
  // retry puts it back, with the retry budget reset
  EXPECT_EQ(must(s->execute(parse("retry", json::object()))).reply["retried"],
            1);
  EXPECT_EQ(text("SELECT status FROM queue_items"), "pending");
  EXPECT_EQ(claim(*s).size(), 1u);
}

TEST_F(store_test, completion_is_recorded_exactly_once) {
  auto s = make_store();
  auto id = add(*s, "done", 1, 1)[0];
  auto job = claim(*s)[0];
  auto commit = must(s->execute(command{report(job, "commit", 5000)}));
  EXPECT_EQ(commit.reply["ok"], true);
  auto done = must(s->execute(command{report(job, "completed", 5000)}));
  EXPECT_EQ(done.reply["ok"], true);
  ASSERT_EQ(done.fx.lifecycle.size(), 1u);
  EXPECT_EQ(done.fx.lifecycle[0].status, "completed");
  auto again = must(s->execute(command{report(job, "completed", 5000)}));
  EXPECT_EQ(again.reply["ok"], true) << "a retried report is acknowledged";
  EXPECT_TRUE(again.fx.lifecycle.empty()) << "and not announced twice";
  EXPECT_EQ(events(id, "completed"), 1);
  EXPECT_EQ(scalar("SELECT bytes_total FROM queue_items"), 5000);
  auto item = must(s->execute(parse("get", {{"id", id}}))).reply;
  EXPECT_EQ(item["status"], "completed");
  EXPECT_EQ(item["progress"], 100.0);
  EXPECT_FALSE(item["completed_at"].is_null());
  EXPECT_EQ(must(s->execute(command{report(job, "commit", 5000)})).reply["ok"],
            false)
      << "no second rename";
  EXPECT_EQ(must(s->execute(parse("clear_completed", json::object())))
                .reply["removed"],
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_items"), 0);
}

TEST_F(store_test, claims_follow_priority_then_queue_time) {
  auto s = make_store();
  auto low = add(*s, "low", 1, 1, "low")[0];
  auto normal = add(*s, "normal", 1, 1, "normal")[0];
  auto high1 = add(*s, "high-one", 1, 1, "high")[0];
  auto high2 = add(*s, "high-two", 1, 2, "high");
  std::vector<std::string> order;
  for (auto j = claim(*s); !j.empty(); j = claim(*s))
    order.push_back(j[0].id);
  EXPECT_EQ(order,
            (std::vector<std::string>{high1, high2[0], high2[1], normal, low}));
}

TEST_F(store_test, status_lists_pending_in_claim_order) {
  auto s = make_store();
  add(*s, "a", 1, 2, "low");
  add(*s, "b", 1, 1, "high");
  auto st = must(s->execute(parse("status", json::object()))).reply;
  ASSERT_EQ(st["pending_queue"].size(), 3u);
  EXPECT_EQ(st["pending_queue"][0]["serie_id"], "b");
  EXPECT_EQ(st["pending_queue"][1]["episode"], 1);
  EXPECT_EQ(st["counts"]["pending"], 3);
  EXPECT_EQ(st["is_running"], true);
  EXPECT_EQ(st["is_paused"], false);
}

TEST_F(store_test, item_pause_resume_cancel_rules) {
  auto s = make_store();
  auto ids = add(*s, "rules", 1, 3);
  // pending -> paused -> pending
  auto p = must(s->execute(parse("pause_item", {{"id", ids[0]}})));
  EXPECT_EQ(p.reply["status"], "paused");
  EXPECT_TRUE(p.fx.controls.empty()) << "nothing runs yet";
  EXPECT_EQ(error_of(s->execute(parse("pause_item", {{"id", ids[0]}}))),
            errc::conflict);
  EXPECT_EQ(
      must(s->execute(parse("resume_item", {{"id", ids[0]}}))).reply["status"],
      "pending");
  EXPECT_EQ(error_of(s->execute(parse("resume_item", {{"id", ids[0]}}))),
            errc::conflict);
  // downloading -> paused: DB first, then the control message; the worker loses
  // the lease
  auto jobs = claim(*s, 3);
  ASSERT_EQ(jobs.size(), 3u);
  beat(*s, jobs[0], 700);
  auto paused = must(s->execute(parse("pause_item", {{"id", jobs[0].id}})));
  ASSERT_EQ(paused.fx.controls.size(), 1u);
  EXPECT_EQ(paused.fx.controls[0].action, "pause");
  EXPECT_EQ(paused.reply["owner"], "");
  auto hb = beat(*s, jobs[0], 800);
  ASSERT_EQ(hb.lost.size(), 1u);
  EXPECT_EQ(hb.lost[0].status, "paused");
  EXPECT_EQ(
      must(s->execute(command{report(jobs[0], "paused", 900)})).reply["ok"],
      true);
  EXPECT_EQ(scalar("SELECT bytes_done FROM queue_items WHERE id = '" +
                   jobs[0].id + "'"),
            900)
      << "the worker's last offset is kept";
  EXPECT_EQ(
      must(s->execute(command{report(jobs[0], "commit", 900)})).reply["ok"],
      false)
      << "a paused job must not be renamed into place";
  // downloading -> cancelled: control + discard of the partial file
  auto cancelled = must(s->execute(parse("cancel_item", {{"id", jobs[1].id}})));
  EXPECT_EQ(cancelled.reply["status"], "cancelled");
  ASSERT_EQ(cancelled.fx.controls.size(), 1u);
  EXPECT_EQ(cancelled.fx.controls[0].action, "cancel");
  ASSERT_EQ(cancelled.fx.discards.size(), 1u);
  EXPECT_EQ(cancelled.fx.discards[0].target_path, jobs[1].target_path);
  EXPECT_EQ(beat(*s, jobs[1]).lost.at(0).status, "cancelled");
  EXPECT_EQ(error_of(s->execute(parse("cancel_item", {{"id", jobs[1].id}}))),
            errc::conflict);
  EXPECT_EQ(error_of(s->execute(parse("resume_item", {{"id", jobs[1].id}}))),
            errc::conflict);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_discards"), 1);
  EXPECT_EQ(text("SELECT discard_pending::text FROM queue_items WHERE id = '" +
                 jobs[1].id + "'"),
            "true");
  must(s->execute(command{discard_done_command{jobs[1].id}}));
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_discards"), 0);
  EXPECT_EQ(text("SELECT discard_pending::text FROM queue_items WHERE id = '" +
                 jobs[1].id + "'"),
            "false");
  // completed items can be neither paused nor cancelled
  must(s->execute(command{report(jobs[2], "completed", 10)}));
  EXPECT_EQ(error_of(s->execute(parse("pause_item", {{"id", jobs[2].id}}))),
            errc::conflict);
  EXPECT_EQ(error_of(s->execute(parse("cancel_item", {{"id", jobs[2].id}}))),
            errc::conflict);
  EXPECT_EQ(error_of(s->execute(parse(
                "set_priority", {{"id", jobs[2].id}, {"priority", "high"}}))),
            errc::conflict);
}

TEST_F(store_test,
       queue_pause_pauses_running_jobs_and_resume_brings_them_back) {
  auto s = make_store();
  auto ids = add(*s, "whole", 1, 4);
  auto jobs = claim(*s, 2);
  ASSERT_EQ(jobs.size(), 2u);
  must(s->execute(parse("pause_item", {{"id", ids[3]}}))); // paused by the user
  auto paused = must(s->execute(parse("pause", json::object())));
  EXPECT_EQ(paused.reply, json({{"is_running", true}, {"is_paused", true}}));
  EXPECT_EQ(paused.fx.controls.size(), 2u);
  EXPECT_EQ(paused.fx.claimable, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_items WHERE status = 'paused'"),
            3);
  EXPECT_TRUE(claim(*s).empty())
      << "no claims while paused, though one is pending";
  EXPECT_EQ(beat(*s, jobs[0]).lost.at(0).status, "paused");
  auto resumed = must(s->execute(parse("resume", json::object())));
  EXPECT_EQ(resumed.reply["is_paused"], false);
  EXPECT_EQ(resumed.fx.claimable, 3)
      << "the two queue-paused jobs and the pending one";
  EXPECT_EQ(text("SELECT status FROM queue_items WHERE id = '" + ids[3] + "'"),
            "paused")
      << "an item the user paused stays paused";
  auto again = claim(*s, 5);
  EXPECT_EQ(again.size(), 3u);
}

TEST_F(store_test, stop_blocks_claims_but_running_jobs_continue) {
  auto s = make_store();
  add(*s, "stop", 1, 2);
  auto job = claim(*s)[0];
  EXPECT_EQ(must(s->execute(parse("stop", json::object()))).reply["is_running"],
            false);
  EXPECT_TRUE(claim(*s).empty());
  EXPECT_TRUE(beat(*s, job).lost.empty()) << "running downloads finish";
  EXPECT_EQ(must(s->execute(command{report(job, "completed", 1)})).reply["ok"],
            true);
  auto started = must(s->execute(parse("start", json::object())));
  EXPECT_EQ(started.fx.claimable, 1);
  EXPECT_EQ(claim(*s).size(), 1u);
}

TEST_F(store_test, remove_cancels_a_running_job_and_forgets_the_item) {
  auto s = make_store();
  auto ids = add(*s, "remove", 1, 2);
  auto job = claim(*s)[0];
  auto r = must(s->execute(parse("remove", {{"id", job.id}})));
  EXPECT_EQ(r.reply["removed"], true);
  ASSERT_EQ(r.fx.controls.size(), 1u);
  EXPECT_EQ(r.fx.controls[0].action, "cancel");
  EXPECT_EQ(r.fx.discards.size(), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_items"), 1);
  EXPECT_EQ(beat(*s, job).lost.at(0).status, "cancelled")
      << "delete the partial file";
  EXPECT_EQ(must(s->execute(command{report(job, "completed", 1)})).reply["ok"],
            false);
  EXPECT_EQ(error_of(s->execute(parse("remove", {{"id", job.id}}))),
            errc::not_found);
  // a never-claimed item leaves nothing to discard
  EXPECT_TRUE(must(s->execute(parse(
                       "remove", {{"id", ids[1] == job.id ? ids[0] : ids[1]}})))
                  .fx.discards.empty());
  // re-adding the episode drops the discard of the same path
  EXPECT_EQ(add(*s, "remove", 1, 2).size(), 2u);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_discards"), 0);
}

TEST_F(store_test, bad_input_is_rejected_and_changes_nothing) {
  auto s = make_store();
  auto ids = add(*s, "valid", 1, 1);
  auto before = row_image(ids[0]);
  auto events_before = scalar("SELECT count(*) FROM queue_events");
  // Tried: an add whose second episode has a file:// source: the whole request
  // fails.
  auto bad = add_body("half", 1, 2);
  bad["episodes"][1]["source"]["url"] = "file:///etc/shadow";
  EXPECT_FALSE(parse_command("add", bad));
  // Tried: a folder that is only dots (would be the library root's parent).
  bad = add_body("dots", 1, 1);
  bad["serie_folder"] = "..";
  EXPECT_FALSE(parse_command("add", bad));
  // Tried: adding an episode that is already queued: skipped, listed.
  auto dup = must(s->execute(parse("add", add_body("valid", 1, 1))));
  EXPECT_TRUE(dup.reply["items"].empty());
  EXPECT_EQ(dup.reply["skipped"][0]["reason"], "already queued");
  // Tried: commands on an id that does not exist.
  auto nobody = json{{"id", "00000000-0000-4000-8000-000000000000"}};
  EXPECT_EQ(error_of(s->execute(parse("get", nobody))), errc::not_found);
  EXPECT_EQ(error_of(s->execute(parse("pause_item", nobody))), errc::not_found);
  EXPECT_EQ(error_of(s->execute(parse("cancel_item", nobody))),
            errc::not_found);
  // Tried: resuming a pending item, retrying ids that are not failed.
  EXPECT_EQ(error_of(s->execute(parse("resume_item", {{"id", ids[0]}}))),
            errc::conflict);
  EXPECT_EQ(must(s->execute(parse("retry", {{"ids", ids}}))).reply["retried"],
            0);
  // Tried: a claim for more slots than allowed and a report for an unknown job.
  EXPECT_FALSE(parse_claim(R"({"worker":"w","slots":1000})"));
  wire::report ghost;
  ghost.id = nobody["id"];
  ghost.lease_token = nobody["id"];
  ghost.outcome = "completed";
  EXPECT_EQ(must(s->execute(command{ghost})).reply["reason"], "stale_lease");
  EXPECT_EQ(row_image(ids[0]), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_items"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_events"), events_before);
}

TEST_F(store_test, reaper_prunes_old_events_only) {
  store_options o;
  o.event_retention_ms = 3'600'000;
  auto s = make_store(o);
  auto id = add(*s, "old", 1, 1)[0];
  sql("INSERT INTO queue_events (item_id, event, at) VALUES ('" + id +
      "', 'claimed', now() - interval '2 hours')");
  must(s->execute(command{reap_command{}}));
  EXPECT_EQ(
      scalar("SELECT count(*) FROM queue_events WHERE item_id = '" + id + "'"),
      1);
  EXPECT_EQ(events(id, "added"), 1);
}

TEST_F(store_test, add_keeps_request_order) {
  auto s = make_store();
  auto body = add_body("order", 5, 1);
  auto more = episodes(1, 3);
  body["episodes"].push_back(more[2]); // episode 3
  body["episodes"].push_back(more[0]); // episode 1
  auto out = must(s->execute(parse("add", body)));
  ASSERT_EQ(out.reply["items"].size(), 3u);
  EXPECT_EQ(out.reply["items"][0]["episode"], 5);
  EXPECT_EQ(out.reply["items"][1]["episode"], 3);
  EXPECT_EQ(out.reply["items"][2]["episode"], 1);
  EXPECT_TRUE(out.reply["skipped"].empty());
  EXPECT_EQ(out.fx.claimable, 3);
  std::vector<int> order;
  for (auto j = claim(*s); !j.empty(); j = claim(*s))
    order.push_back(j[0].episode);
  EXPECT_EQ(order, (std::vector<int>{5, 3, 1}))
      << "same priority: the order they were queued";
  // Tried: one episode twice in one request: refused by the contract.
  body["episodes"].push_back(more[0]);
  EXPECT_FALSE(parse_command("add", body));
}
