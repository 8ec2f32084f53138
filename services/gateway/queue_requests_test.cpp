#include "kumo/contracts/source_url.hpp"
#include "queue_requests.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;
using json = nlohmann::json;

namespace {

/// The test origins live on 127.0.0.1: the allowlist opens it.
const kumo::contracts::request_rules rules{
    kumo::address_policy{*kumo::parse_cidr_list("127.0.0.1/32")}};

checked_request check_add(const std::string& body) {
  return kumo::gateway::check_add(body, rules);
}

json valid_add() {
  return json::parse(R"json({
    "serie_id": "attack-on-titan",
    "serie_folder": "Attack on Titan (2013)",
    "serie_name": "Attack on Titan",
    "priority": "high",
    "episodes": [
      {"season": 1, "episode": 2,
       "source": {"provider": "direct", "url": "http://127.0.0.1:8080/e2.mp4"}}
    ]})json");
}

/// check_add of `doc` after `mutate`; expects a 400 whose message contains
/// `needle`.
void expect_add_error(const std::function<void(json&)>& mutate,
                      const std::string& needle) {
  auto doc = valid_add();
  mutate(doc);
  auto r = check_add(doc.dump());
  ASSERT_FALSE(r.ok()) << "accepted: " << doc.dump();
  EXPECT_NE(r.error.find(needle), std::string::npos)
      << "message '" << r.error << "' lacks '" << needle << "'";
}

TEST(queue_requests, accepts_and_normalizes_a_valid_add) {
  auto doc = valid_add();
  doc["unknown_field"] = {1, 2, 3};
  doc["episodes"][0]["source"]["sha256"] = std::string(64, 'A');
  doc["episodes"][0]["source"]["size"] = 1234;
  doc["episodes"][0]["source"]["extra"] = "ignored";
  auto r = check_add(doc.dump());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.payload["serie_id"], "attack-on-titan");
  EXPECT_EQ(r.payload["priority"], "high");
  EXPECT_FALSE(r.payload.contains("unknown_field"));
  auto& src = r.payload["episodes"][0]["source"];
  EXPECT_EQ(src["sha256"], std::string(64, 'a'));
  EXPECT_EQ(src["size"], 1234);
  EXPECT_FALSE(src.contains("extra"));
}

TEST(queue_requests, priority_defaults_and_numbers) {
  auto doc = valid_add();
  doc.erase("priority");
  EXPECT_EQ(check_add(doc.dump()).payload["priority"], "normal");
  for (auto [n, name] : {std::pair{0, "low"}, {1, "normal"}, {2, "high"}}) {
    doc["priority"] = n;
    EXPECT_EQ(check_add(doc.dump()).payload["priority"], name);
  }
  expect_add_error([](json& d) { d["priority"] = 3; }, "priority");
  expect_add_error([](json& d) { d["priority"] = -1; }, "priority");
  expect_add_error([](json& d) { d["priority"] = "urgent"; }, "priority");
  expect_add_error([](json& d) { d["priority"] = "HIGH"; }, "priority");
  expect_add_error([](json& d) { d["priority"] = true; }, "priority");
  expect_add_error([](json& d) { d["priority"] = 1.5; }, "priority");
}

TEST(queue_requests, rejects_malformed_bodies) {
  for (auto body : {"", "{", "not json", "[1,2]", "\"text\"", "42", "null",
                    "{\"serie_id\": }"}) {
    auto r = check_add(body);
    EXPECT_FALSE(r.ok()) << body;
  }
  EXPECT_EQ(check_add("{").error, "body is not valid JSON");
  EXPECT_EQ(check_add("[]").error, "body must be a JSON object");
}

TEST(queue_requests, rejects_missing_and_mistyped_fields) {
  expect_add_error([](json& d) { d.erase("serie_id"); },
                   "serie_id is required");
  expect_add_error([](json& d) { d.erase("serie_folder"); },
                   "serie_folder is required");
  expect_add_error([](json& d) { d.erase("serie_name"); },
                   "serie_name is required");
  expect_add_error([](json& d) { d.erase("episodes"); },
                   "episodes is required");
  expect_add_error([](json& d) { d["serie_id"] = 5; },
                   "serie_id must be a string");
  expect_add_error([](json& d) { d["serie_name"] = nullptr; },
                   "serie_name is required");
  expect_add_error([](json& d) { d["serie_name"] = ""; }, "must not be empty");
  expect_add_error([](json& d) { d["episodes"] = "S01E01"; },
                   "episodes must be an array");
  expect_add_error([](json& d) { d["episodes"] = json::array(); },
                   "must not be empty");
  expect_add_error([](json& d) { d["episodes"][0] = 5; },
                   "episodes[0] must be an object");
  expect_add_error([](json& d) { d["episodes"][0].erase("season"); },
                   "episodes[0].season is required");
  expect_add_error([](json& d) { d["episodes"][0]["episode"] = "2"; },
                   "episodes[0].episode must be an integer");
  expect_add_error([](json& d) { d["episodes"][0]["episode"] = 2.5; },
                   "must be an integer");
  expect_add_error([](json& d) { d["episodes"][0]["source"] = "http://x"; },
                   "source must be an object");
  expect_add_error([](json& d) { d["episodes"][0]["source"].erase("url"); },
                   "source.url is required");
  expect_add_error(
      [](json& d) { d["episodes"][0]["source"].erase("provider"); },
      "source.provider is required");
  expect_add_error(
      [](json& d) { d["episodes"][0]["source"]["provider"] = "Direct!"; },
      "provider");
  expect_add_error(
      [](json& d) { d["episodes"][0]["source"]["sha256"] = "abc"; }, "sha256");
  expect_add_error([](json& d) { d["episodes"][0]["source"]["size"] = -5; },
                   "size");
  expect_add_error([](json& d) { d["episodes"][0]["source"]["size"] = "12"; },
                   "size");
}

TEST(queue_requests, bare_references_are_forwarded_as_references) {
  auto doc = valid_add();
  doc["episodes"] = {"s1e2"};
  auto r = check_add(doc.dump());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.payload["episodes"], json::array({"S01E02"}));
  expect_add_error([](json& d) { d["episodes"] = {"S99E9999999"}; },
                   "episodes[0] names episode 9999999");
  expect_add_error([](json& d) { d["episodes"][0].erase("source"); },
                   "episode S01E02 has no source");
  expect_add_error([](json& d) { d["episodes"] = {"\x01weird"}; },
                   "episodes[0] must be an object");
}

TEST(queue_requests, rejects_invalid_keys) {
  for (auto key :
       {"Attack-On-Titan", "attack_on_titan", "attack on titan", "-attack",
        "attack-", "attack--titan", "attack/titan", "../etc", "ätt"})
    expect_add_error([&](json& d) { d["serie_id"] = key; },
                     "serie_id must be a series key");
}

TEST(queue_requests, rejects_control_characters_and_traversal) {
  expect_add_error([](json& d) { d["serie_name"] = "Attack\non Titan"; },
                   "control characters");
  expect_add_error([](json& d) { d["serie_name"] = std::string("A\0B", 3); },
                   "control characters");
  expect_add_error([](json& d) { d["serie_folder"] = "Attack\x7f"; },
                   "control characters");
  expect_add_error([](json& d) { d["serie_folder"] = "Attack\xc2\x85"; },
                   "control characters");
  expect_add_error([](json& d) { d["serie_folder"] = "../../etc"; },
                   "single folder name");
  expect_add_error([](json& d) { d["serie_folder"] = ".."; },
                   "single folder name");
  expect_add_error([](json& d) { d["serie_folder"] = "a\\b"; },
                   "single folder name");
  // Unicode names are fine.
  auto doc = valid_add();
  doc["serie_name"] = "進撃の巨人";
  doc["serie_folder"] = "進撃の巨人 (2013)";
  EXPECT_TRUE(check_add(doc.dump()).ok());
}

TEST(queue_requests, rejects_oversized_strings_and_arrays) {
  expect_add_error([](json& d) { d["serie_name"] = std::string(256, 'x'); },
                   "longer than 255 bytes");
  expect_add_error([](json& d) { d["serie_folder"] = std::string(256, 'x'); },
                   "longer than 255 bytes");
  expect_add_error([](json& d) { d["serie_id"] = std::string(256, 'x'); },
                   "longer than 255 bytes");
  expect_add_error(
      [](json& d) {
        d["episodes"][0]["source"]["url"] =
            "http://h/" + std::string(2100, 'a');
      },
      "longer than 2048 bytes");
  expect_add_error(
      [](json& d) {
        auto ep = d["episodes"][0];
        d["episodes"] = json::array();
        for (int i = 0; i < 1001; ++i) {
          ep["episode"] = i;
          d["episodes"].push_back(ep);
        }
      },
      "more than 1000 entries");
  auto doc = valid_add();
  auto ep = doc["episodes"][0];
  doc["episodes"] = json::array();
  for (int i = 0; i < 1000; ++i) {
    ep["episode"] = i;
    doc["episodes"].push_back(ep);
  }
  EXPECT_TRUE(check_add(doc.dump()).ok());
  EXPECT_TRUE(check_add(json{{"serie_id", std::string(255, 'a')},
                             {"serie_folder", std::string(255, 'f')},
                             {"serie_name", std::string(255, 'n')},
                             {"episodes", valid_add()["episodes"]}}
                            .dump())
                  .ok());
}

TEST(queue_requests, rejects_episode_numbers_out_of_range) {
  expect_add_error([](json& d) { d["episodes"][0]["season"] = -1; },
                   "between 0 and 1000");
  expect_add_error([](json& d) { d["episodes"][0]["season"] = 1001; },
                   "between 0 and 1000");
  expect_add_error([](json& d) { d["episodes"][0]["episode"] = 10001; },
                   "between 0 and 10000");
  expect_add_error([](json& d) { d["episodes"][0]["episode"] = 1e12; },
                   "must be an integer");
  expect_add_error(
      [](json& d) { d["episodes"][0]["episode"] = 18446744073709551615ull; },
      "between 0 and 10000");
  expect_add_error([](json& d) { d["episodes"][0]["season"] = true; },
                   "must be an integer");
  auto doc = valid_add();
  doc["episodes"][0]["season"] = 0;
  doc["episodes"][0]["episode"] = 10000;
  EXPECT_TRUE(check_add(doc.dump()).ok());
}

TEST(queue_requests, rejects_duplicate_episodes_in_one_request) {
  expect_add_error([](json& d) { d["episodes"].push_back(d["episodes"][0]); },
                   "episode S01E02 is listed more than once");
}

/// The contract's URL check under the test allowlist (127.0.0.1/32).
std::optional<std::string> url_problem(const std::string& url) {
  return kumo::contracts::source_url_problem(url, rules.addresses);
}

TEST(queue_requests, validates_urls) {
  for (auto url :
       {"http://example.com/a.mp4", "https://example.com:8443/x?y=1#z",
        "HTTP://EXAMPLE.COM/", "http://127.0.0.1:8080/e.mp4", "http://host",
        "https://a.b/%20x", "http://[2606:4700::1]:8080/e"})
    EXPECT_FALSE(url_problem(url).has_value())
        << url << ": " << *url_problem(url);
  struct bad {
    const char* url;
    const char* why;
  };
  for (auto [url, why] : {bad{"ftp://example.com/a", "http or https"},
                          bad{"file:///etc/passwd", "http or https"},
                          bad{"javascript:alert(1)", "http"},
                          bad{"example.com/a.mp4", "http"},
                          bad{"http://", "no host"},
                          bad{"http:///path", "no host"},
                          bad{"http://:80/x", "no host"},
                          bad{"http://user:pw@example.com/a", "credentials"},
                          bad{"http://user@example.com/a", "credentials"},
                          bad{"http://example.com:99999/", "port"},
                          bad{"http://example.com:0/", "port"},
                          bad{"http://example.com:x/", "port"},
                          bad{"http://exa mple.com/", "printable ASCII"},
                          bad{"http://example.com/\n", "printable ASCII"},
                          bad{"http://example.com\\@evil/", "backslash"},
                          bad{"http://ex%41mple.com/", "host"},
                          bad{"http://[::1/", "IPv6"},
                          bad{"http://bücher.de/", "printable ASCII"},
                          bad{"http://[::1]:8080/e.mp4", "may not reach"},
                          bad{"http://127.0.0.2/e.mp4", "may not reach"},
                          bad{"http://0x7f000002/e.mp4", "may not reach"},
                          bad{"http://10.1.2.3/e.mp4", "may not reach"}}) {
    auto p = url_problem(url);
    ASSERT_TRUE(p.has_value()) << url;
    EXPECT_NE(p->find(why), std::string::npos) << url << ": " << *p;
  }
  expect_add_error(
      [](json& d) { d["episodes"][0]["source"]["url"] = "ftp://x/y"; },
      "episodes[0].source.url must use the http or https scheme");
}

TEST(queue_requests, ids_must_be_uuids) {
  auto r = check_id("3F2504E0-4F89-11D3-9A0C-0305E82C3301");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.payload["id"], "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  for (auto id :
       {"", "1", "3f2504e0-4f89-11d3-9a0c-0305e82c330",
        "3f2504e0-4f89-11d3-9a0c-0305e82c33011",
        "3f2504e04f8911d39a0c0305e82c3301xxxx",
        "3f2504e0-4f89-11d3-9a0c-0305e82c330g", "../../etc/passwd", "status"}) {
    auto bad = check_id(id);
    EXPECT_FALSE(bad.ok()) << id;
    EXPECT_EQ(bad.error, "id must be a UUID");
  }
}

TEST(queue_requests, priority_requests) {
  const std::string id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
  auto r = check_priority(id, R"({"priority": "low", "x": 1})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.payload, (json{{"id", id}, {"priority", "low"}}));
  EXPECT_EQ(check_priority(id, R"({"priority": 2})").payload["priority"],
            "high");
  EXPECT_FALSE(check_priority(id, "{}").ok());
  EXPECT_FALSE(check_priority(id, "").ok());
  EXPECT_FALSE(check_priority(id, R"({"priority": "soon"})").ok());
  EXPECT_EQ(check_priority("nope", R"({"priority": "low"})").error,
            "id must be a UUID");
}

TEST(queue_requests, retry_requests) {
  EXPECT_EQ(check_retry("").payload, json::object());
  EXPECT_EQ(check_retry("{}").payload, json::object());
  EXPECT_EQ(check_retry(R"({"ids": null})").payload, json::object());
  auto r = check_retry(R"({"ids": ["3F2504E0-4F89-11D3-9A0C-0305E82C3301"]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.payload["ids"][0], "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  EXPECT_EQ(check_retry(R"({"ids": "x"})").error,
            "ids must be an array of UUIDs");
  EXPECT_EQ(check_retry(R"({"ids": ["x"]})").error, "ids[0] must be a UUID");
  EXPECT_EQ(check_retry(R"({"ids": [1]})").error, "ids[0] must be a UUID");
  EXPECT_FALSE(check_retry("[").ok());
  json many = {{"ids", json::array()}};
  for (int i = 0; i < 1001; ++i)
    many["ids"].push_back("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  EXPECT_NE(check_retry(many.dump()).error.find("more than 1000"),
            std::string::npos);
}

TEST(queue_requests, maps_queue_replies_to_http) {
  auto ok = answer_from_reply(R"({"items": [], "skipped": []})", 201, "queue");
  EXPECT_EQ(ok.status, 201);
  EXPECT_TRUE(ok.body.contains("items"));
  struct row {
    const char* code;
    int status;
  };
  for (auto [code, status] :
       {row{"invalid_argument", 400}, row{"not_found", 404},
        row{"conflict", 409}, row{"unavailable", 503}, row{"timeout", 503},
        row{"no_responders", 503}, row{"internal", 500}, row{"weird", 500}}) {
    auto a = answer_from_reply(
        json{{"error", {{"code", code}, {"message", "m"}}}}.dump(), 200,
        "queue");
    EXPECT_EQ(a.status, status) << code;
    EXPECT_EQ(a.body["error"]["code"], code);
    EXPECT_EQ(a.body["error"]["message"], "m");
  }
  EXPECT_EQ(answer_from_reply("garbage", 200, "queue").status, 502);
  EXPECT_EQ(answer_from_reply("[1]", 200, "queue").status, 502);
}

TEST(queue_requests, maps_bus_failures_to_503) {
  for (auto code : {"timeout", "no_responders", "unavailable", "internal"}) {
    auto a = answer_from_bus_failure(code, "queue");
    EXPECT_EQ(a.status, 503);
    EXPECT_EQ(a.body["error"]["code"], "unavailable");
  }
  EXPECT_NE(answer_from_bus_failure("no_responders", "queue")
                .body["error"]["message"]
                .get<std::string>()
                .find("not running"),
            std::string::npos);
  EXPECT_NE(answer_from_bus_failure("timeout", "queue")
                .body["error"]["message"]
                .get<std::string>()
                .find("in time"),
            std::string::npos);
}

} // namespace

TEST(queue_requests, status_queries) {
  using params = std::multimap<std::string, std::string>;
  EXPECT_EQ(check_status({}).payload, json::object());
  EXPECT_EQ(check_status(params{{"limit", "7"}}).payload, json({{"limit", 7}}));
  auto cursor =
      kumo::contracts::encode_cursor({1, "2026-11-27T08:46:08.000001Z", 9});
  auto paged = check_status(params{{"pending_cursor", cursor}});
  ASSERT_TRUE(paged.ok()) << paged.error;
  EXPECT_EQ(paged.payload["cursors"]["pending_queue"], cursor);
  for (auto [key, value] : {std::pair<std::string, std::string>{"limit", "201"},
                            {"limit", "0"},
                            {"limit", "ten"},
                            {"pending_cursor", "junk"},
                            {"failed_cursor", cursor + "00"},
                            {"active_cursor", std::string(4096, 'c')}}) {
    auto bad = check_status(params{{key, value}});
    EXPECT_FALSE(bad.ok()) << key << "=" << value.substr(0, 40);
    EXPECT_EQ(bad.field, key);
  }
}
