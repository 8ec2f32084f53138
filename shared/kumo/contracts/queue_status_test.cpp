// The status request: limits and cursors from HTTP and from the bus.

#include "kumo/contracts/queue_status.hpp"

#include <gtest/gtest.h>

using namespace kumo::contracts;
using json = nlohmann::json;

namespace {

const status_cursor sample{2, "2026-11-27T08:46:08.123456Z", 42};

parsed<status_request> query(const std::multimap<std::string, std::string>& p) {
  return parse_status_query(p);
}

} // namespace

TEST(queue_status, defaults_and_round_trip) {
  auto plain = query({});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->limit, status_limits::default_limit);
  EXPECT_TRUE(plain->after.empty());
  auto page = query({{"limit", "7"},
                     {"pending_cursor", encode_cursor(sample)},
                     {"unknown", "x"}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->limit, 7);
  const auto& c = page->after.at(status_list::pending);
  EXPECT_EQ(c.rank, 2);
  EXPECT_EQ(c.queued_at, sample.queued_at);
  EXPECT_EQ(c.seq, 42);
  auto again = parse_status(to_json(*page));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->after.at(status_list::pending).seq, 42);
}

TEST(queue_status, refuses_limits_out_of_range) {
  for (auto bad : {"0", "-1", "201", "1e3", "", "abc", "99999999999", " 5"}) {
    auto r = query({{"limit", bad}});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "limit");
  }
  EXPECT_FALSE(query({{"limit", "5"}, {"limit", "6"}}));
  EXPECT_TRUE(query({{"limit", "200"}}));
  EXPECT_FALSE(parse_status(json{{"limit", 5.5}}));
  EXPECT_FALSE(parse_status(json{{"limit", "5"}}));
  EXPECT_FALSE(parse_status(json{{"limit", true}}));
}

TEST(queue_status, refuses_hostile_cursors) {
  auto good = encode_cursor(sample);
  std::vector<std::string> bad{
      "",
      "x",
      "c1.",
      "c1.zz",
      "c1.abc",
      good.substr(0, good.size() - 1),
      good.substr(0, 12),
      good + "00",
      "c2." + good.substr(3),
      std::string(5000, 'a'),
      "c1." + std::string(300, '0'),
      "' OR 1=1 --",
      "../../etc/passwd",
      encode_cursor({3, sample.queued_at, sample.seq}),
      encode_cursor({1, "2026-02-30T00:00:00.000000Z", sample.seq}),
      encode_cursor({1, "2026-13-01T00:00:00.000000Z", sample.seq}),
      encode_cursor({1, "yesterday", sample.seq}),
      encode_cursor({1, sample.queued_at, 0}),
      encode_cursor({1, sample.queued_at, -5}),
      encode_cursor({1, sample.queued_at + "'", 42}),
  };
  for (const auto& cursor : bad) {
    auto r = query({{"failed_cursor", cursor}});
    ASSERT_FALSE(r) << cursor;
    EXPECT_EQ(r.error().field, "failed_cursor");
    EXPECT_NE(r.error().message.find("not a cursor"), std::string::npos);
  }
}

TEST(queue_status, bus_form_refuses_unknown_lists_and_wrong_types) {
  EXPECT_FALSE(parse_status(json{{"cursors", {{"everything", "c1.00"}}}}));
  EXPECT_FALSE(parse_status(json{{"cursors", {{"pending_queue", 5}}}}));
  EXPECT_FALSE(parse_status(json{{"cursors", json::array()}}));
  EXPECT_FALSE(parse_status(json::array()));
  EXPECT_TRUE(parse_status(json::object()));
}
