// The queue request contracts against hostile values: every refusal names
// the field, and nothing half-parsed comes out.

#include "kumo/contracts/queue_requests.hpp"

#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::contracts;
using json = nlohmann::json;

namespace {

const request_rules open_loopback{
    address_policy{*parse_cidr_list("127.0.0.1/32")}};

json valid_add() {
  return json::parse(R"json({
    "serie_id": "attack-on-titan",
    "serie_folder": "Attack on Titan (2013)",
    "serie_name": "Attack on Titan",
    "episodes": [
      {"season": 1, "episode": 2,
       "source": {"provider": "direct", "url": "http://127.0.0.1:9/e2.mp4"}}
    ]})json");
}

/// parse_add of valid_add() changed by `mutate`: expects a refusal naming
/// `field`.
void expect_refused(const std::function<void(json&)>& mutate,
                    const std::string& field) {
  auto doc = valid_add();
  mutate(doc);
  auto r = parse_add(doc, open_loopback);
  ASSERT_FALSE(r) << "accepted: " << doc.dump().substr(0, 200);
  EXPECT_EQ(r.error().field, field) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

json& source(json& d) {
  return d["episodes"][0]["source"];
}

} // namespace

TEST(queue_requests_contract, a_valid_add_round_trips_through_the_wire_form) {
  auto doc = valid_add();
  doc["priority"] = 0;
  doc["unknown"] = {{"nested", {1, 2}}};
  source(doc)["sha256"] = std::string(64, 'A');
  source(doc)["size"] = 1234;
  auto r = parse_add(doc, open_loopback);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->priority, priority_level::low);
  EXPECT_EQ(r->episodes.at(0).source.sha256, std::string(64, 'a'));
  auto wire = to_json(*r);
  EXPECT_FALSE(wire.contains("unknown"));
  EXPECT_EQ(wire["priority"], "low");
  auto again = parse_add(wire, open_loopback);
  ASSERT_TRUE(again);
  EXPECT_EQ(to_json(*again), wire);
  auto bare = to_json(*parse_add(valid_add(), open_loopback));
  EXPECT_FALSE(bare["episodes"][0]["source"].contains("sha256"));
  EXPECT_FALSE(bare["episodes"][0]["source"].contains("size"));
}

TEST(queue_requests_contract, refuses_wrong_types_and_nested_objects) {
  expect_refused([](json& d) { d["serie_id"] = 42; }, "serie_id");
  expect_refused([](json& d) { d["serie_id"] = json::object(); }, "serie_id");
  expect_refused(
      [](json& d) {
        d["serie_name"] = {{"a", {{"b", 1}}}};
      },
      "serie_name");
  expect_refused([](json& d) { d["serie_folder"] = json::array({"a"}); },
                 "serie_folder");
  expect_refused([](json& d) { d.erase("serie_name"); }, "serie_name");
  expect_refused([](json& d) { d["episodes"] = "S01E02"; }, "episodes");
  expect_refused([](json& d) { d["episodes"] = json::object(); }, "episodes");
  expect_refused([](json& d) { d["episodes"][0] = 5; }, "episodes[0]");
  expect_refused([](json& d) { d["episodes"][0]["season"] = true; },
                 "episodes[0].season");
  expect_refused([](json& d) { d["episodes"][0]["season"] = "1"; },
                 "episodes[0].season");
  expect_refused([](json& d) { d["episodes"][0]["episode"] = 1.5; },
                 "episodes[0].episode");
  expect_refused([](json& d) { d["episodes"][0].erase("source"); },
                 "episodes[0].source");
  expect_refused([](json& d) { source(d) = "http://127.0.0.1/"; },
                 "episodes[0].source");
  expect_refused(
      [](json& d) {
        source(d)["url"] = {{"href", "x"}};
      },
      "episodes[0].source.url");
  expect_refused([](json& d) { source(d)["size"] = "12"; },
                 "episodes[0].source.size");
  expect_refused([](json& d) { source(d)["size"] = -1; },
                 "episodes[0].source.size");
  expect_refused([](json& d) { source(d)["size"] = 18446744073709551615u; },
                 "episodes[0].source.size");
  expect_refused([](json& d) { source(d)["sha256"] = 7; },
                 "episodes[0].source.sha256");
  expect_refused([](json& d) { source(d)["sha256"] = "zz"; },
                 "episodes[0].source.sha256");
  expect_refused([](json& d) { d["priority"] = "urgent"; }, "priority");
  expect_refused([](json& d) { d["priority"] = 3; }, "priority");
  expect_refused([](json& d) { d["priority"] = -1; }, "priority");
  expect_refused([](json& d) { d["priority"] = json::array({2}); }, "priority");
  EXPECT_FALSE(parse_add(json::array(), open_loopback));
  EXPECT_FALSE(parse_add(json("add"), open_loopback));
}

TEST(queue_requests_contract, refuses_oversized_strings_and_huge_arrays) {
  expect_refused([](json& d) { d["serie_name"] = std::string(256, 'x'); },
                 "serie_name");
  expect_refused([](json& d) { d["serie_folder"] = std::string(1 << 20, 'x'); },
                 "serie_folder");
  expect_refused([](json& d) { d["serie_id"] = std::string(300, 'a'); },
                 "serie_id");
  expect_refused(
      [](json& d) { source(d)["provider"] = std::string(100000, 'd'); },
      "episodes[0].source.provider");
  expect_refused(
      [](json& d) {
        auto ep = d["episodes"][0];
        d["episodes"] = json::array();
        for (int i = 0; i < 1001; ++i) {
          ep["episode"] = i;
          d["episodes"].push_back(ep);
        }
      },
      "episodes");
  expect_refused([](json& d) { d["episodes"] = json::array(); }, "episodes");
  expect_refused([](json& d) { d["episodes"].push_back(d["episodes"][0]); },
                 "episodes[1]");
  expect_refused([](json& d) { d["episodes"][0]["season"] = 1001; },
                 "episodes[0].season");
  expect_refused([](json& d) { d["episodes"][0]["episode"] = 10001; },
                 "episodes[0].episode");
}

TEST(queue_requests_contract, a_bare_episode_reference_has_no_sources_yet) {
  auto doc = valid_add();
  auto given = doc["episodes"][0];
  given["season"] = 3;
  given["episode"] = 1;
  doc["episodes"] = {"S01E02", "s2e10", given};
  auto r = parse_add(doc, open_loopback);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->episodes.size(), 3U);
  EXPECT_TRUE(r->episodes[0].unresolved());
  EXPECT_EQ(r->episodes[0].season, 1);
  EXPECT_EQ(r->episodes[0].episode, 2);
  EXPECT_EQ(r->episodes[1].season, 2);
  EXPECT_EQ(r->episodes[1].episode, 10);
  EXPECT_FALSE(r->episodes[2].unresolved());
  auto wire = to_json(*r);
  EXPECT_EQ(wire["episodes"][0], "S01E02");
  EXPECT_EQ(wire["episodes"][1], "S02E10");
  auto again = parse_add(wire, open_loopback);
  ASSERT_TRUE(again);
  EXPECT_EQ(to_json(*again), wire);
}

TEST(queue_requests_contract, refuses_hostile_episode_references) {
  // Out of range, not shaped like a reference, a path, repeated, too many.
  for (auto ref : {"S99E9999999", "S1001E01", "S01E99999999999", "../../x",
                   "S01", "SxxE01", "S01E", "E01", "S-1E01", "S01E02 ", ""})
    expect_refused([&](json& d) { d["episodes"][0] = ref; }, "episodes[0]");
  expect_refused(
      [](json& d) {
        d["episodes"] = {"S01E02", "s1e2"};
      },
      "episodes[1]");
  expect_refused(
      [](json& d) {
        d["episodes"] = json::array();
        for (int i = 0; i < 10000; ++i)
          d["episodes"].push_back(episode_label(i / 100, i % 100));
      },
      "episodes");
}

TEST(queue_requests_contract, refuses_control_characters_and_traversal) {
  expect_refused([](json& d) { d["serie_name"] = "A\nB"; }, "serie_name");
  expect_refused([](json& d) { d["serie_name"] = std::string("A\0B", 3); },
                 "serie_name");
  expect_refused([](json& d) { d["serie_name"] = "A\xc2\x85"; }, "serie_name");
  expect_refused([](json& d) { d["serie_folder"] = "AoT\x1b[31m"; },
                 "serie_folder");
  for (auto folder : {"..", ".", "../../etc", "a/b", "a\\b", "/abs", ""})
    expect_refused([&](json& d) { d["serie_folder"] = folder; },
                   "serie_folder");
  for (auto key : {"../../etc", "Attack On Titan", "a--b", "a_b", "-a", ""})
    expect_refused([&](json& d) { d["serie_id"] = key; }, "serie_id");
}

TEST(queue_requests_contract, refuses_bad_urls_and_unknown_providers) {
  for (auto url : {"file:///etc/passwd", "http://127.0.0.2/", "http://[::1]/",
                   "http://10.0.0.1/", "http://2130706434/",
                   "http://a@127.0.0.1/", "http:///e", "http://h:99999/"})
    expect_refused([&](json& d) { source(d)["url"] = url; },
                   "episodes[0].source.url");
  expect_refused([](json& d) { source(d)["provider"] = "torrent"; },
                 "episodes[0].source.provider");
  expect_refused([](json& d) { source(d)["provider"] = "../direct"; },
                 "episodes[0].source.provider");
}

TEST(queue_requests_contract, item_priority_and_retry_requests) {
  auto item = parse_item(json{{"id", "0E8D3F4A-1111-4222-8333-444455556666"}});
  ASSERT_TRUE(item);
  EXPECT_EQ(item->id, "0e8d3f4a-1111-4222-8333-444455556666");
  for (auto bad : {json("x"), json(5), json::object(), json(nullptr),
                   json(std::string(10000, 'a')),
                   json("0e8d3f4a-1111-4222-8333-44445555666")})
    EXPECT_FALSE(parse_item(json{{"id", bad}})) << bad;
  EXPECT_FALSE(parse_item(json::object()));
  auto prio =
      parse_priority_request(json{{"id", item->id}, {"priority", "high"}});
  ASSERT_TRUE(prio);
  EXPECT_EQ(to_json(*prio), json({{"id", item->id}, {"priority", "high"}}));
  EXPECT_FALSE(parse_priority_request(json{{"id", item->id}}));
  auto all = parse_retry(json::object());
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->all);
  auto some = parse_retry(json{{"ids", {item->id}}});
  ASSERT_TRUE(some);
  EXPECT_FALSE(some->all);
  EXPECT_EQ(some->ids, std::vector<std::string>{item->id});
  EXPECT_EQ(parse_retry(json{{"ids", {item->id, 5}}}).error().field, "ids[1]");
  EXPECT_EQ(parse_retry(json{{"ids", "all"}}).error().field, "ids");
  json huge = json::array();
  for (int i = 0; i < 1001; ++i)
    huge.push_back(item->id);
  EXPECT_EQ(parse_retry(json{{"ids", huge}}).error().field, "ids");
}

TEST(queue_requests_contract, bodies_must_be_json_objects) {
  EXPECT_FALSE(parse_object("", false));
  EXPECT_TRUE(parse_object(" \n", true));
  EXPECT_FALSE(parse_object("{", true));
  EXPECT_FALSE(parse_object("[1,2]", true));
  EXPECT_FALSE(parse_object("\"x\"", true));
  EXPECT_FALSE(parse_object(std::string(100000, '['), true));
}

TEST(queue_requests_contract, sources_list_is_ordered_and_round_trips) {
  auto doc = valid_add();
  auto& ep = doc["episodes"][0];
  ep.erase("source");
  ep["sources"] = {
      {{"provider", "direct"}, {"url", "http://127.0.0.1:9/a.mkv"}},
      {{"provider", "rss"}, {"url", "http://127.0.0.1:9/b.mkv"}, {"size", 5}}};
  auto r = parse_add(doc, open_loopback);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->episodes[0].sources.size(), 2u);
  EXPECT_EQ(r->episodes[0].source.url, "http://127.0.0.1:9/a.mkv");
  EXPECT_EQ(r->episodes[0].sources[1].provider, "rss");
  EXPECT_EQ(r->episodes[0].sources[1].size, 5);
  auto again = parse_add(to_json(*r), open_loopback);
  ASSERT_TRUE(again);
  EXPECT_EQ(to_json(*again), to_json(*r));
  EXPECT_EQ(to_json(*r)["episodes"][0].count("source"), 0u);
  // A single "source" keeps its wire form.
  auto one = parse_add(valid_add(), open_loopback);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->episodes[0].sources.size(), 1u);
  EXPECT_EQ(to_json(*one)["episodes"][0].count("sources"), 0u);
}

TEST(queue_requests_contract, hostile_sources_are_refused_with_the_field) {
  auto with_sources = [](const json& list) {
    return [list](json& d) {
      d["episodes"][0].erase("source");
      d["episodes"][0]["sources"] = list;
    };
  };
  json good{{"provider", "direct"}, {"url", "http://127.0.0.1:9/a.mkv"}};
  expect_refused(with_sources(json::array()), "episodes[0].sources");
  expect_refused(with_sources("http://127.0.0.1:9/a.mkv"),
                 "episodes[0].sources");
  expect_refused(with_sources(json::array(
                     {good, good, good, good, good, good, good, good, good})),
                 "episodes[0].sources");
  expect_refused(with_sources(json::array({good, 7})),
                 "episodes[0].sources[1]");
  expect_refused(
      with_sources(json::array(
          {good, {{"provider", "ftp"}, {"url", "http://127.0.0.1:9/b"}}})),
      "episodes[0].sources[1].provider");
  expect_refused(with_sources(json::array(
                     {good, {{"provider", "direct"}, {"url", "file:///x"}}})),
                 "episodes[0].sources[1].url");
  expect_refused(
      with_sources(json::array(
          {good, {{"provider", "direct"}, {"url", "http://10.0.0.1/b"}}})),
      "episodes[0].sources[1].url");
  // Both forms at once: refused, not guessed.
  expect_refused(
      [&](json& d) { d["episodes"][0]["sources"] = json::array({good}); },
      "episodes[0].sources");
}
