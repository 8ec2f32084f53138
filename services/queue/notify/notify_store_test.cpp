// The delivery queue against a real PostgreSQL: rows written in the
// transaction of the queue's own state changes, leases, retries.

#include "notify_store.hpp"
#include "store_test_support.hpp"

namespace kumo::queue::store_testing {

namespace {

class notify_store_test : public store_test {
protected:
  void SetUp() override {
    store_test::SetUp();
    if (IsSkipped() || HasFatalFailure())
      return;
    sql("TRUNCATE notify_targets CASCADE");
  }

  std::unique_ptr<notify::notify_store>
  make_notify(notify::retry_rules rules = {}) {
    return std::make_unique<notify::notify_store>(
        database_url(), address_policy{*parse_cidr_list("127.0.0.1/32")},
        rules);
  }

  std::string create(notify::notify_store& n, const json& body) {
    auto reply = n.handle("create", body);
    EXPECT_FALSE(reply.contains("error")) << reply.dump();
    return reply.value("id", "");
  }

  int64_t deliveries(const std::string& event) {
    return scalar("SELECT count(*) FROM notify_deliveries WHERE event = '" +
                  event + "'");
  }
};

json hook(const std::string& name, json events) {
  return {{"name", name},
          {"kind", "webhook"},
          {"url", "http://127.0.0.1:9/" + name},
          {"secret", "k"},
          {"events", std::move(events)}};
}

} // namespace

TEST_F(notify_store_test, a_completion_enqueues_once_per_matching_target) {
  auto n = make_notify();
  create(*n, hook("all", json::array()));
  create(*n, hook("failures", {"download.failed"}));
  create(*n, {{"name", "jf"},
              {"kind", "jellyfin"},
              {"url", "http://127.0.0.1:8096"},
              {"secret", "key"}});
  auto s = make_store();
  add(*s, "show", 1, 1);
  auto job = claim(*s).at(0);
  must(s->execute(command{report(job, "completed", 10)}));
  EXPECT_EQ(deliveries("episode.imported"), 2);
  // The answer was lost and the worker repeats its report: no new rows.
  must(s->execute(command{report(job, "completed", 10)}));
  EXPECT_EQ(deliveries("episode.imported"), 2);
  EXPECT_EQ(text("SELECT payload->>'item' FROM notify_deliveries LIMIT 1"),
            job.id);
}

TEST_F(notify_store_test, a_final_failure_is_an_event_a_retry_is_not) {
  auto n = make_notify();
  create(*n, hook("failures", {"download.failed"}));
  auto s = make_store();
  add(*s, "show", 1, 1);
  must(s->execute(command{report(claim(*s).at(0), "failed", 0, true)}));
  EXPECT_EQ(deliveries("download.failed"), 0); // retry scheduled
  sql("UPDATE queue_items SET not_before = now()");
  must(s->execute(command{report(claim(*s).at(0), "failed", 0, false)}));
  EXPECT_EQ(deliveries("download.failed"), 1);
}

TEST_F(notify_store_test, disk_full_pause_holds_the_item_until_space_returns) {
  auto n = make_notify();
  create(*n, hook("disk", {"disk.guard_tripped"}));
  auto s = make_store();
  auto id = add(*s, "show", 1, 1).at(0);
  auto r = report(claim(*s).at(0), "paused", 4096);
  r.reason = "disk_full";
  must(s->execute(command{r}));
  EXPECT_EQ(text("SELECT status || ' ' || pause_reason || ' ' || bytes_done "
                 "FROM queue_items"),
            "paused disk_full 4096");
  EXPECT_EQ(deliveries("disk.guard_tripped"), 1);
  EXPECT_TRUE(claim(*s).empty());
  auto out = must(
      s->execute(command{wire::claim_request{"w2", 1, /*recovered*/ true}}));
  auto jobs = out.reply.get<wire::claim_reply>().jobs;
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id, id);
  EXPECT_EQ(jobs[0].bytes_done, 4096);
  EXPECT_EQ(text("SELECT pause_reason FROM queue_items"), "");
}

TEST_F(notify_store_test, claims_are_leased_and_a_stale_lease_changes_nothing) {
  notify::retry_rules rules;
  rules.base_delay_ms = 60'000;
  auto a = make_notify(rules);
  auto b = make_notify(rules);
  auto target = create(*a, hook("t", json::array()));
  auto queued = a->handle("test", {{"id", target}});
  auto first = a->claim(4, 60'000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].what.id, queued["delivery"]);
  EXPECT_EQ(first[0].what.attempts, 1);
  EXPECT_EQ(first[0].to.secret, "k");
  EXPECT_TRUE(b->claim(4, 60'000).empty()) << "leased to a";
  // a's lease ends (a died): b takes the same delivery over.
  sql("UPDATE notify_deliveries SET lease_expires = now() - interval '1s'");
  auto second = b->claim(4, 60'000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].what.id, first[0].what.id);
  EXPECT_EQ(second[0].what.attempts, 2);
  a->finish(first[0], {200, ""}); // stale: changes nothing
  EXPECT_EQ(text("SELECT status FROM notify_deliveries"), "sending");
  b->finish(second[0], {500, "HTTP status 500"});
  EXPECT_EQ(text("SELECT status || ' ' || response_code || ' ' || last_error "
                 "FROM notify_deliveries"),
            "pending 500 HTTP status 500");
  EXPECT_TRUE(a->claim(4, 60'000).empty()) << "waits for its backoff";
}

TEST_F(notify_store_test, gives_up_after_max_attempts_and_logs_it) {
  notify::retry_rules rules;
  rules.max_attempts = 1;
  auto n = make_notify(rules);
  auto target = create(*n, hook("t", json::array()));
  n->handle("test", {{"id", target}});
  auto c = n->claim(4, 60'000).at(0);
  n->finish(c, {0, "Couldn't connect to server"});
  auto log = n->handle("deliveries", {{"id", target}});
  ASSERT_EQ(log["deliveries"].size(), 1u) << log.dump();
  EXPECT_EQ(log["deliveries"][0]["status"], "failed");
  EXPECT_EQ(log["deliveries"][0]["response_code"], nullptr);
  EXPECT_EQ(log["deliveries"][0]["last_error"], "Couldn't connect to server");
}

TEST_F(notify_store_test, bad_input_changes_nothing_and_secrets_stay_inside) {
  auto n = make_notify();
  auto bad = n->handle("create", hook("x", {"nope"}));
  EXPECT_EQ(bad["error"]["field"], "events[0]");
  bad = n->handle("create", {{"name", "lan"},
                             {"kind", "webhook"},
                             {"url", "http://192.168.0.9/"},
                             {"secret", "k"}});
  EXPECT_EQ(bad["error"]["field"], "url");
  EXPECT_EQ(scalar("SELECT count(*) FROM notify_targets"), 0);
  auto id = create(*n, hook("t", json::array()));
  bad = n->handle("update", {{"id", id}, {"target", {{"kind", "plex"}}}});
  EXPECT_EQ(bad["error"]["field"], "section");
  EXPECT_EQ(text("SELECT kind FROM notify_targets"), "webhook");
  auto listed = n->handle("list", json::object()).dump();
  EXPECT_EQ(listed.find("\"k\""), std::string::npos) << listed;
  EXPECT_EQ(
      n->handle(
          "delete",
          {{"id", "00000000-0000-4000-8000-000000000000"}})["error"]["code"],
      "not_found");
}

} // namespace kumo::queue::store_testing
