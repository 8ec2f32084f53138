#include "commands.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;
using json = nlohmann::json;

namespace {

const path_template& paths() {
  static auto t = *path_template::parse(path_template::default_text);
  return t;
}

/// The test origins live on 127.0.0.1: the allowlist opens it.
const kumo::contracts::request_rules& rules() {
  static const kumo::contracts::request_rules r{
      kumo::address_policy{*kumo::parse_cidr_list("127.0.0.1/32")}};
  return r;
}

json valid_add() {
  return {{"serie_id", "attack-on-titan"},
          {"serie_folder", "Attack on Titan (2013)"},
          {"serie_name", "Attack on Titan"},
          {"priority", "high"},
          {"episodes",
           {{{"season", 1},
             {"episode", 2},
             {"source",
              {{"provider", "direct"}, {"url", "http://127.0.0.1/e2.mkv"}}}}}}};
}

kumo::result<command> add(const json& body) {
  return parse_queue_command("add", body.dump(), paths(), rules());
}

/// Expects `body` to be rejected with a message containing `needle`.
void expect_rejected(const json& body, const std::string& needle) {
  auto r = add(body);
  ASSERT_FALSE(r) << "accepted: " << body.dump();
  EXPECT_NE(r.error().message.find(needle), std::string::npos)
      << "message '" << r.error().message << "' does not name '" << needle
      << "'";
}

} // namespace

TEST(commands, add_parses_and_builds_target_paths) {
  auto r = add(valid_add());
  ASSERT_TRUE(r) << r.error().message;
  auto& a = std::get<add_command>(*r);
  EXPECT_EQ(a.prio, priority::high);
  ASSERT_EQ(a.episodes.size(), 1u);
  EXPECT_EQ(a.episodes[0].target_path,
            "Attack on Titan (2013)/Season 01/Attack on Titan - S01E02.mkv");
  EXPECT_EQ(a.episodes[0].src.size, -1);
}

TEST(commands, add_accepts_numeric_priorities_and_defaults_to_normal) {
  auto body = valid_add();
  body["priority"] = 0;
  EXPECT_EQ(std::get<add_command>(*add(body)).prio, priority::low);
  body["priority"] = 2;
  EXPECT_EQ(std::get<add_command>(*add(body)).prio, priority::high);
  body.erase("priority");
  EXPECT_EQ(std::get<add_command>(*add(body)).prio, priority::normal);
}

TEST(commands, add_rejections_name_the_field) {
  auto b = valid_add();
  b["serie_id"] = "Attack On Titan";
  expect_rejected(b, "serie_id");
  b["serie_id"] = "attack--titan";
  expect_rejected(b, "serie_id");
  b = valid_add();
  b.erase("serie_folder");
  expect_rejected(b, "serie_folder is required");
  b = valid_add();
  b["serie_name"] = "bad\nname";
  expect_rejected(b, "serie_name must not contain control characters");
  b["serie_name"] = std::string(256, 'x');
  expect_rejected(b, "serie_name is longer than 255");
  b = valid_add();
  b["priority"] = "urgent";
  expect_rejected(b, "priority");
  b["priority"] = 3;
  expect_rejected(b, "priority");
  b = valid_add();
  b["episodes"] = json::array();
  expect_rejected(b, "episodes must not be empty");
  b["episodes"] = "S01E01";
  expect_rejected(b, "episodes must be an array");
}

TEST(commands, add_episode_rejections_name_the_field) {
  auto with_episode = [](const json& ep) {
    auto b = valid_add();
    b["episodes"] = json::array({valid_add()["episodes"][0], ep});
    return b;
  };
  auto ep = valid_add()["episodes"][0];
  auto e = ep;
  e["season"] = 1001;
  expect_rejected(with_episode(e),
                  "episodes[1].season must be an integer between 0 and 1000");
  e = ep;
  e["episode"] = "2";
  expect_rejected(with_episode(e), "episodes[1].episode");
  e = ep;
  e["episode"] = 10001;
  expect_rejected(with_episode(e), "episodes[1].episode");
  e = ep;
  e["source"]["url"] = "file:///etc/passwd";
  expect_rejected(with_episode(e),
                  "episodes[1].source.url must use the http or https scheme");
  e["source"]["url"] = "http:///nohost";
  expect_rejected(with_episode(e), "episodes[1].source.url");
  e["source"]["url"] = "http://h/a b";
  expect_rejected(with_episode(e), "episodes[1].source.url");
  e = ep;
  e["source"]["provider"] = "ftp";
  expect_rejected(with_episode(e), "episodes[1].source.provider");
  e = ep;
  e["source"]["sha256"] = "abc";
  expect_rejected(with_episode(e), "episodes[1].source.sha256");
  e = ep;
  e.erase("source");
  expect_rejected(with_episode(e), "episode S01E02 has no source");
  expect_rejected(with_episode("S01E99999"), "episodes[1] names episode");
  expect_rejected(with_episode("hello"), "episodes[1] must be an object");
}

TEST(commands, add_keeps_a_bare_reference_without_sources) {
  auto b = valid_add();
  b["episodes"] = json::array({valid_add()["episodes"][0], "S02E03"});
  auto r = add(b);
  ASSERT_TRUE(r) << r.error().message;
  const auto& cmd = std::get<add_command>(*r);
  ASSERT_EQ(cmd.episodes.size(), 2U);
  EXPECT_EQ(cmd.episodes[0].sources.size(), 1U);
  EXPECT_TRUE(cmd.episodes[1].sources.empty());
  EXPECT_TRUE(cmd.episodes[1].src.url.empty());
  EXPECT_EQ(cmd.episodes[1].season, 2);
  EXPECT_EQ(cmd.episodes[1].episode, 3);
  EXPECT_NE(cmd.episodes[1].target_path.find("S02E03.mp4"), std::string::npos)
      << cmd.episodes[1].target_path;
}

TEST(commands, add_rejects_unusable_folder_names) {
  auto b = valid_add();
  b["serie_folder"] = "..";
  expect_rejected(b, "serie_folder must be a single folder name");
}

TEST(commands, add_refuses_source_addresses_the_policy_refuses) {
  // Without an allowlist, loopback and private literals are refused in
  // every spelling, before anything reaches the store.
  kumo::contracts::request_rules closed;
  for (auto url : {"http://127.0.0.1/e.mkv", "http://2130706433/e.mkv",
                   "http://0x7f.1/e.mkv", "http://017700000001/e.mkv",
                   "http://[::1]/e.mkv", "http://[::ffff:127.0.0.1]/e.mkv",
                   "http://10.0.0.1/e.mkv", "http://a@127.0.0.1/e.mkv",
                   "http://127.0.0.1./e.mkv"}) {
    auto body = valid_add();
    body["episodes"][0]["source"]["url"] = url;
    auto r = parse_queue_command("add", body.dump(), paths(), closed);
    ASSERT_FALSE(r) << url;
    EXPECT_NE(r.error().message.find("episodes[0].source.url"),
              std::string::npos)
        << r.error().message;
  }
  auto body = valid_add();
  body["episodes"][0]["source"]["url"] = "http://cdn.example.com/e.mkv";
  EXPECT_TRUE(parse_queue_command("add", body.dump(), paths(), closed));
}

TEST(commands, malformed_payloads_are_rejected) {
  EXPECT_EQ(
      parse_queue_command("add", "{not json", paths(), rules()).error().message,
      "body is not valid JSON");
  EXPECT_EQ(parse_queue_command("add", "[1]", paths(), rules()).error().message,
            "body must be a JSON object");
  EXPECT_FALSE(parse_queue_command("drop_tables", "{}", paths(), rules()));
  EXPECT_TRUE(parse_queue_command("status", "", paths(), rules()));
}

TEST(commands, id_commands_require_a_uuid) {
  for (auto op :
       {"get", "remove", "pause_item", "resume_item", "cancel_item"}) {
    auto r = parse_queue_command(op, R"({"id":"1; DROP TABLE x"})", paths(),
                                 rules());
    ASSERT_FALSE(r) << op;
    EXPECT_EQ(r.error().message, "id must be a UUID");
    EXPECT_EQ(parse_queue_command(op, "{}", paths(), rules()).error().message,
              "id is required");
  }
  auto ok = parse_queue_command(
      "cancel_item", R"({"id":"0E8D3F4A-1111-4222-8333-444455556666"})",
      paths(), rules());
  ASSERT_TRUE(ok);
  auto& c = std::get<item_command>(*ok);
  EXPECT_EQ(c.action, item_action::cancel);
  EXPECT_EQ(c.id, "0e8d3f4a-1111-4222-8333-444455556666");
}

TEST(commands, set_priority_and_retry) {
  auto id = std::string{"0e8d3f4a-1111-4222-8333-444455556666"};
  auto p = parse_queue_command("set_priority",
                               json{{"id", id}, {"priority", "low"}}.dump(),
                               paths(), rules());
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<priority_command>(*p).prio, priority::low);
  EXPECT_FALSE(parse_queue_command("set_priority", json{{"id", id}}.dump(),
                                   paths(), rules()));
  auto all = parse_queue_command("retry", "{}", paths(), rules());
  EXPECT_TRUE(std::get<retry_command>(*all).all);
  auto some = parse_queue_command("retry", json{{"ids", {id}}}.dump(), paths(),
                                  rules());
  EXPECT_FALSE(std::get<retry_command>(*some).all);
  auto none = parse_queue_command("retry", json{{"ids", json::array()}}.dump(),
                                  paths(), rules());
  EXPECT_FALSE(std::get<retry_command>(*none).all)
      << "an empty list retries nothing";
  EXPECT_EQ(parse_queue_command("retry", json{{"ids", {"x"}}}.dump(), paths(),
                                rules())
                .error()
                .message,
            "ids[0] must be a UUID");
}

TEST(commands, claim_validation) {
  auto c = parse_claim(R"({"worker":"w1","slots":4})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->slots, 4);
  EXPECT_EQ(parse_claim(R"({"worker":"w1"})")->slots, 1);
  EXPECT_EQ(parse_claim(R"({"slots":1})").error().message,
            "worker is required");
  EXPECT_EQ(parse_claim(R"({"worker":"w","slots":0})").error().message,
            "slots must be an integer 1..100");
  EXPECT_FALSE(parse_claim(R"({"worker":"w","slots":101})"));
}

TEST(commands, heartbeat_validation) {
  auto id = std::string{"0e8d3f4a-1111-4222-8333-444455556666"};
  auto ok = parse_heartbeat(
      json{{"worker", "w"},
           {"jobs", {{{"id", id}, {"lease_token", id}, {"bytes_done", 10}}}}}
          .dump());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->jobs[0].bytes_done, 10);
  EXPECT_EQ(ok->jobs[0].bytes_total, -1);
  auto bad = parse_heartbeat(
      json{{"worker", "w"},
           {"jobs", {{{"id", id}, {"lease_token", id}, {"bytes_done", -1}}}}}
          .dump());
  EXPECT_EQ(bad.error().message,
            "jobs[0].bytes_done must be an integer 0..9223372036854775807");
  EXPECT_EQ(
      parse_heartbeat(json{{"worker", "w"}, {"jobs", {{{"id", id}}}}}.dump())
          .error()
          .message,
      "jobs[0].lease_token is required");
}

TEST(commands, report_validation) {
  auto id = std::string{"0e8d3f4a-1111-4222-8333-444455556666"};
  json r = {{"id", id},          {"lease_token", id},
            {"worker", "w"},     {"outcome", "failed"},
            {"transient", true}, {"error", std::string(5000, 'e')}};
  auto ok = parse_report(r.dump());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->transient);
  EXPECT_EQ(ok->error.size(), 2000u) << "long errors are clipped, not refused";
  r["outcome"] = "exploded";
  EXPECT_NE(parse_report(r.dump()).error().message.find("outcome"),
            std::string::npos);
  r["outcome"] = "completed";
  r["transient"] = "yes";
  EXPECT_EQ(parse_report(r.dump()).error().message,
            "transient must be a boolean");
  r["transient"] = false;
  r["sha256"] = "zz";
  EXPECT_EQ(parse_report(r.dump()).error().message,
            "sha256 must be 64 hex digits");
  r.erase("sha256");
  r["lease_token"] = "nope";
  EXPECT_EQ(parse_report(r.dump()).error().message,
            "lease_token must be a UUID");
}

TEST(commands, report_source_outcome) {
  auto id = std::string{"0e8d3f4a-1111-4222-8333-444455556666"};
  json r = {{"id", id}, {"lease_token", id}, {"outcome", "failed"}};
  auto plain = parse_report(r.dump());
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->source_outcome) << "absent stays absent";
  r["source_outcome"] = {{"provider", "direct"},
                         {"ok", false},
                         {"response_ms", 1500},
                         {"bytes", 10},
                         {"error", "HTTP 503"}};
  auto full = parse_report(r.dump());
  ASSERT_TRUE(full) << full.error().message;
  ASSERT_TRUE(full->source_outcome);
  EXPECT_EQ(full->source_outcome->provider, "direct");
  EXPECT_EQ(full->source_outcome->response_ms, 1500);
  EXPECT_EQ(full->source_outcome->error, "HTTP 503");
  // Hostile values: each refused with the field named.
  auto refused = [&](const char* key, json value, const std::string& msg) {
    auto copy = r;
    copy["source_outcome"][key] = std::move(value);
    auto p = parse_report(copy.dump());
    ASSERT_FALSE(p) << key;
    EXPECT_EQ(p.error().message, msg);
  };
  refused("ok", "yes", "source_outcome.ok must be a boolean");
  refused("provider", std::string(40, 'p'),
          "source_outcome.provider is longer than 32 bytes");
  refused("response_ms", -1,
          "source_outcome.response_ms must be an integer 0..604800000");
  refused("bytes", 1.5,
          "source_outcome.bytes must be an integer 0..9223372036854775807");
  refused("error", 7, "source_outcome.error must be a string");
  r["source_outcome"] = "fine";
  EXPECT_EQ(parse_report(r.dump()).error().message,
            "source_outcome must be an object");
  // The encoder sends it only when present.
  kumo::wire::report w;
  EXPECT_EQ(json(w).count("source_outcome"), 0u);
  w.source_outcome = kumo::wire::source_outcome{"hls", true, 5, 6, ""};
  EXPECT_EQ(json(w)["source_outcome"]["provider"], "hls");
  EXPECT_EQ(json(w).get<kumo::wire::report>().source_outcome->bytes, 6);
}

TEST(commands, action_names) {
  EXPECT_EQ(action_name(command{switch_command{queue_switch::pause}}), "pause");
  EXPECT_EQ(action_name(command{item_command{item_action::resume, ""}}),
            "resume_item");
  EXPECT_EQ(action_name(command{add_command{}}), "add");
}

TEST(commands, disk_full_pause_and_recovered_claim) {
  const std::string base =
      R"({"id":"6f1c2a9e-1b7d-4c7e-9a3f-2d4b5c6e7f80",)"
      R"("lease_token":"0e4d1c2b-3a4f-4b6c-8d7e-9f0a1b2c3d4e","outcome":"paused")";
  auto r = parse_report(base + R"(,"reason":"disk_full"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "disk_full");
  EXPECT_EQ(parse_report(base + "}")->reason, "");
  // Anything else is refused and changes nothing.
  EXPECT_FALSE(parse_report(base + R"(,"reason":"tired"})"));
  EXPECT_FALSE(parse_report(base + R"(,"reason":7})"));
  EXPECT_TRUE(
      parse_claim(R"({"worker":"w","disk_recovered":true})")->disk_recovered);
  EXPECT_FALSE(parse_claim(R"({"worker":"w"})")->disk_recovered);
  EXPECT_FALSE(parse_claim(R"({"worker":"w","disk_recovered":"yes"})"));
}
