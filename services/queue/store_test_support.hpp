#pragma once

// The fixture of the queue store tests: a real PostgreSQL
// (KUMO_TEST_DATABASE_URL; CTest runs them through
// tests/harness/with_servers.py --pg), migrated and emptied before each test.

#include "kumo/migration.hpp"
#include "store.hpp"

#include <chrono>
#include <cstdlib>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace kumo::queue {
std::vector<migration> migrations();
}

namespace kumo::queue::store_testing {

using json = nlohmann::json;

inline const char* database_url() {
  return std::getenv("KUMO_TEST_DATABASE_URL");
}

inline const path_template& paths() {
  static auto t = *path_template::parse(path_template::default_text);
  return t;
}

/// Test origins live on 127.0.0.1: the allowlist opens it.
inline const contracts::request_rules& rules() {
  static const contracts::request_rules r{
      address_policy{*parse_cidr_list("127.0.0.1/32")}};
  return r;
}

inline result<command> parse_command(const std::string& op, const json& body) {
  return parse_queue_command(op, body.dump(), paths(), rules());
}

inline command parse(const std::string& op, const json& body) {
  auto c = parse_command(op, body);
  EXPECT_TRUE(c) << op << ": " << c.error().message;
  return c ? *c : command{status_command{}};
}

inline json episodes(int first, int count) {
  auto out = json::array();
  for (int e = first; e < first + count; ++e)
    out.push_back(
        {{"season", 1},
         {"episode", e},
         {"source",
          {{"provider", "direct"},
           {"url", "http://127.0.0.1:1/s1e" + std::to_string(e) + ".mkv"}}}});
  return out;
}

inline json add_body(const std::string& serie, int first, int count,
                     const std::string& prio = "normal") {
  return {{"serie_id", serie},
          {"serie_folder", serie + " (2020)"},
          {"serie_name", serie},
          {"priority", prio},
          {"episodes", episodes(first, count)}};
}

class store_test : public ::testing::Test {
protected:
  void SetUp() override {
    if (!database_url())
      GTEST_SKIP() << "KUMO_TEST_DATABASE_URL is not set (run through "
                      "tests/harness/with_servers.py --pg)";
    admin_ = std::make_unique<pg_session>(database_url());
    auto applied =
        apply_migrations(*admin_, "queue", kumo::queue::migrations());
    ASSERT_TRUE(applied) << caf::to_string(applied.error());
    sql("TRUNCATE queue_items, queue_events, queue_discards, "
        "queue_path_owners");
    sql("UPDATE queue_state SET running = true, paused = false");
    sql("UPDATE provider_config SET max_concurrent = 0, retries = 3, "
        "retry_delay_s = 5");
  }

  std::unique_ptr<queue_store> make_store(store_options o = {}) {
    return std::make_unique<queue_store>(database_url(), std::move(o));
  }

  pqxx::result sql(const std::string& text) {
    auto r = admin_->transact([&](pqxx::work& w) { return w.exec(text); });
    EXPECT_TRUE(r) << text << ": " << caf::to_string(r.error());
    return r ? *r : pqxx::result{};
  }

  int64_t scalar(const std::string& text) {
    auto r = sql(text);
    return r.empty() || r[0][0].is_null() ? -1 : r[0][0].as<int64_t>();
  }

  std::string text(const std::string& query) {
    auto r = sql(query);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }

  /// The whole row as text, to prove that something changed nothing.
  std::string row_image(const std::string& id) {
    return text("SELECT q::text FROM queue_items q WHERE id = '" + id + "'");
  }

  int64_t events(const std::string& id, const std::string& event) {
    return scalar("SELECT count(*) FROM queue_events WHERE item_id = '" + id +
                  "' AND event = '" + event + "'");
  }

  static outcome must(caf::expected<outcome> r) {
    EXPECT_TRUE(r) << caf::to_string(r.error()) << " " << message_of(r.error());
    return r ? std::move(*r) : outcome{};
  }

  static errc error_of(caf::expected<outcome> r) {
    EXPECT_FALSE(r) << "succeeded: " << r->reply.dump();
    return r ? errc::ok : code_of(r.error());
  }

  std::vector<std::string> add(queue_store& s, const std::string& serie,
                               int first, int count,
                               const std::string& prio = "normal") {
    auto out =
        must(s.execute(parse("add", add_body(serie, first, count, prio))));
    std::vector<std::string> ids;
    for (const auto& item : out.reply["items"])
      ids.push_back(item["id"]);
    return ids;
  }

  static std::vector<wire::job> claim(queue_store& s, int slots = 1,
                                      const std::string& worker = "w1") {
    auto out = must(s.execute(command{wire::claim_request{worker, slots}}));
    return out.reply.get<wire::claim_reply>().jobs;
  }

  static wire::report report(const wire::job& j,
                             const std::string& outcome_name, int64_t bytes = 0,
                             bool transient = false) {
    wire::report r;
    r.id = j.id;
    r.lease_token = j.lease_token;
    r.worker = "w1";
    r.outcome = outcome_name;
    r.bytes_done = bytes;
    r.transient = transient;
    r.error = outcome_name == "failed" ? "http 503" : "";
    return r;
  }

  static wire::heartbeat_reply beat(queue_store& s, const wire::job& j,
                                    int64_t bytes = 0,
                                    const std::string& validator = "") {
    wire::heartbeat hb{"w1",
                       {{j.id, j.lease_token, bytes, 10'000, 5, validator}}};
    return must(s.execute(command{hb})).reply.get<wire::heartbeat_reply>();
  }

  std::unique_ptr<pg_session> admin_;
};

} // namespace kumo::queue::store_testing
