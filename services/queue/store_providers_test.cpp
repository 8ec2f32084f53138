// Sources, failover and provider health against a real PostgreSQL.

#include "store_test_support.hpp"

namespace kumo::queue::store_testing {
namespace {

class provider_store_test : public store_test {
protected:
  void SetUp() override {
    store_test::SetUp();
    if (IsSkipped())
      return;
    sql("UPDATE provider_health SET state = '{}'");
    sql("UPDATE provider_config SET enabled = true, in_failover = true, "
        "timeout_s = 30");
  }

  static store_options options() {
    store_options o;
    o.breaker = {2, 60'000};
    o.failover_backoff_ms = 0;
    o.retries = *retry_policy::parse("1s", 0);
    o.retries_override = true;
    return o;
  }

  /// Adds S01E<episode> with one source per URL host ("a", "b", ...).
  std::string add_sources(queue_store& s, int episode,
                          const std::vector<std::string>& providers) {
    auto sources = json::array();
    for (size_t i = 0; i < providers.size(); ++i)
      sources.push_back({{"provider", providers[i]},
                         {"url", "http://127.0.0.1/" + std::to_string(i) +
                                     "/e" + std::to_string(episode) + ".mkv"}});
    json body = {
        {"serie_id", "multi"},
        {"serie_folder", "Multi"},
        {"serie_name", "Multi"},
        {"episodes",
         {{{"season", 1}, {"episode", episode}, {"sources", sources}}}}};
    return must(s.execute(parse("add", body))).reply["items"][0]["id"];
  }

  static wire::report failed(const wire::job& j) {
    auto r = report(j, "failed");
    r.source_outcome =
        wire::source_outcome{j.src.provider, false, 40, 0, "503"};
    return r;
  }

  json item(queue_store& s, const std::string& id) {
    return must(s.execute(command{get_command{id}})).reply;
  }
};

TEST_F(provider_store_test, failed_source_moves_to_the_next_then_completes) {
  auto s = make_store(options());
  auto id = add_sources(*s, 1, {"direct", "rss", "hls"});
  auto j = claim(*s);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].src.url, "http://127.0.0.1/0/e1.mkv");
  auto out = must(s->execute(command{failed(j[0])}));
  EXPECT_EQ(out.reply["ok"], true);
  EXPECT_EQ(out.fx.failovers, std::vector<std::string>{"direct"})
      << "the move is counted for the provider of the failed source";
  auto doc = item(*s, id);
  EXPECT_EQ(doc["status"], "pending");
  EXPECT_EQ(doc["source_index"], 1);
  EXPECT_EQ(doc["source"]["provider"], "rss");
  EXPECT_EQ(doc["retries"], 0) << "a failover is not a retry";
  EXPECT_EQ(doc["sources"].size(), 3u);
  // The same report again (its answer was lost): acknowledged, no skip.
  EXPECT_TRUE(must(s->execute(command{failed(j[0])})).fx.failovers.empty());
  EXPECT_EQ(item(*s, id)["source_index"], 1);
  EXPECT_EQ(events(id, "source_failed"), 1);

  j = claim(*s);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].src.provider, "rss");
  EXPECT_EQ(j[0].bytes_done, 0);
  auto done = report(j[0], "completed", 10);
  done.source_outcome = wire::source_outcome{"rss", true, 5, 10, ""};
  must(s->execute(command{done}));
  // A late failure of the finished lease changes nothing.
  must(s->execute(command{failed(j[0])}));
  doc = item(*s, id);
  EXPECT_EQ(doc["status"], "completed");
  EXPECT_EQ(doc["source_index"], 1);
  auto health = must(s->execute(command{
                         provider_command{provider_op::health_get, "rss", {}}}))
                    .reply;
  EXPECT_EQ(health["successes"], 1);
  EXPECT_EQ(health["bytes"], 10);
}

TEST_F(provider_store_test, last_source_failure_follows_the_retry_rules) {
  auto s = make_store(options());
  auto id = add_sources(*s, 2, {"direct", "rss"});
  must(s->execute(command{failed(claim(*s)[0])}));
  must(s->execute(command{failed(claim(*s)[0])}));
  EXPECT_EQ(item(*s, id)["status"], "failed");
  EXPECT_EQ(events(id, "source_failed"), 1);
}

TEST_F(provider_store_test, open_breaker_is_skipped_at_claim_and_persists) {
  auto s = make_store(options());
  // Two failures of direct open its breaker (threshold 2).
  auto a = add_sources(*s, 3, {"direct"});
  auto b = add_sources(*s, 4, {"direct"});
  (void)a;
  (void)b;
  auto first = claim(*s, 2);
  ASSERT_EQ(first.size(), 2u);
  auto o1 = must(s->execute(command{failed(first[0])}));
  EXPECT_TRUE(o1.fx.breakers.empty());
  auto o2 = must(s->execute(command{failed(first[1])}));
  ASSERT_EQ(o2.fx.breakers.size(), 1u);
  EXPECT_EQ(o2.fx.breakers[0].provider, "direct");
  EXPECT_EQ(o2.fx.breakers[0].state, "open");
  EXPECT_EQ(o2.fx.breaker_gauges["direct"], 2);

  // Another store (another replica) sees the open breaker at claim.
  auto other = make_store(options());
  auto c = add_sources(*other, 5, {"direct", "rss"});
  auto j = claim(*other);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].src.provider, "rss");
  EXPECT_EQ(events(c, "source_skipped"), 1);
  // A provider out of the failover chain is no fallback: kept at direct.
  must(other->execute(
      command{provider_command{provider_op::failover_remove, "rss", {}}}));
  auto d = add_sources(*other, 6, {"direct", "rss"});
  j = claim(*other);
  EXPECT_TRUE(j.empty()) << "no usable source past an open breaker: held";
  EXPECT_EQ(item(*other, d)["status"], "pending");
  EXPECT_EQ(events(d, "held_for_breaker"), 1);
  EXPECT_EQ(events(d, "source_skipped"), 0);
  // Only a disabled provider in the way: the current source is tried.
  sql("UPDATE provider_health SET state = '{}'");
  must(other->execute(
      command{provider_command{provider_op::disable, "direct", {}}}));
  sql("UPDATE queue_items SET not_before = CASE WHEN id = '" + d +
      "' THEN now() ELSE now() + interval '1 hour' END");
  j = claim(*other);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].src.provider, "direct") << "only disabled: current kept";
}

TEST_F(provider_store_test, half_open_gives_one_probe_to_single_sources) {
  auto o = options();
  o.breaker_hold_ms = 0;
  auto s = make_store(o);
  std::vector<std::string> ids;
  for (int e = 7; e < 10; ++e)
    ids.push_back(add_sources(*s, e, {"direct"}));
  sql("UPDATE provider_health SET state = jsonb_build_object('breaker', "
      "'half_open', 'opened_at_ms', (extract(epoch FROM now()) * 1000)::bigint"
      " - 61000, 'failures', 2, 'consecutive_failures', 2) WHERE name = "
      "'direct'");
  auto probe = claim(*s, 3);
  ASSERT_EQ(probe.size(), 1u) << "exactly one probe while half-open";
  std::int64_t held = 0;
  for (const auto& id : ids)
    held += events(id, "held_for_breaker");
  EXPECT_EQ(held, 2);
  EXPECT_TRUE(claim(*s, 3).empty()) << "the probe is still out";
  auto done = report(probe[0], "completed", 10);
  done.source_outcome = wire::source_outcome{"direct", true, 5, 10, ""};
  auto closed = must(s->execute(command{done}));
  ASSERT_EQ(closed.fx.breakers.size(), 1u);
  EXPECT_EQ(closed.fx.breakers[0].state, "closed");
  EXPECT_EQ(claim(*s, 3).size(), 2u) << "closed: the held items go";
}

TEST_F(provider_store_test, settings_change_is_persisted_and_published) {
  auto s = make_store(options());
  auto update = contracts::parse_provider_update(
      {{"name", "hls"}, {"settings", {{"timeout_s", 90}, {"retries", 1}}}});
  ASSERT_TRUE(update);
  auto out = must(s->execute(
      command{provider_command{provider_op::config_set, "hls", *update}}));
  EXPECT_EQ(out.reply["timeout_s"], 90);
  ASSERT_TRUE(out.fx.provider_config);
  EXPECT_EQ((*out.fx.provider_config)["providers"].size(), 4u);
  EXPECT_EQ(scalar("SELECT timeout_s FROM provider_config WHERE name = 'hls'"),
            90);
  // Unknown provider: not_found, nothing changed.
  auto before = text("SELECT string_agg(c::text, ',' ORDER BY name) "
                     "FROM provider_config c");
  EXPECT_EQ(error_of(s->execute(command{
                provider_command{provider_op::config_set, "gopher", *update}})),
            errc::not_found);
  EXPECT_EQ(text("SELECT string_agg(c::text, ',' ORDER BY name) "
                 "FROM provider_config c"),
            before);
}

} // namespace
} // namespace kumo::queue::store_testing
