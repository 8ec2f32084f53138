#include "sse_parser.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using kumo::cli::sse_event;
using kumo::cli::sse_parser;

namespace {

struct collector {
  std::vector<sse_event> events;
  sse_parser parser{[this](const sse_event& e) { events.push_back(e); }, 64,
                    256};
};

TEST(sse_parser, parses_events_split_at_every_byte) {
  collector c;
  std::string stream =
      "retry: 3000\n\nid: e:1\nevent: init\ndata: {\"a\":1}\n\n"
      ": keepalive\n\nid: e:2\nevent: x\ndata: one\ndata: two\n\n";
  for (char ch : stream)
    c.parser.feed(std::string_view{&ch, 1});
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].type, "init");
  EXPECT_EQ(c.events[0].data, "{\"a\":1}");
  EXPECT_EQ(c.events[0].id, "e:1");
  EXPECT_EQ(c.events[1].data, "one\ntwo");
  EXPECT_EQ(c.parser.last_event_id(), "e:2");
  EXPECT_EQ(c.parser.retry_ms(), 3000);
}

TEST(sse_parser, accepts_crlf_and_cr_line_ends) {
  collector c;
  c.parser.feed("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r");
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].type, "a");
  EXPECT_EQ(c.events[1].type, "b");
  EXPECT_EQ(c.events[1].data, "2");
}

TEST(sse_parser, crlf_split_across_chunks_is_one_line_end) {
  collector c;
  c.parser.feed("data: x\r");
  c.parser.feed("\n\r");
  c.parser.feed("\n");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "x");
}

TEST(sse_parser, drops_events_without_data) {
  collector c;
  c.parser.feed("event: empty\nid: 7\n\n\n\n");
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.parser.last_event_id(), "7"); // the id still counts
}

TEST(sse_parser, huge_line_is_skipped_and_the_next_event_arrives) {
  collector c;
  std::string huge = "data: " + std::string(std::size_t{10} * 1024 * 1024, 'x');
  c.parser.feed("event: big\n");
  for (std::size_t i = 0; i < huge.size(); i += 4096)
    c.parser.feed(std::string_view{huge}.substr(i, 4096));
  c.parser.feed("\n\nevent: small\ndata: ok\n\n");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].type, "small");
  EXPECT_EQ(c.events[0].data, "ok");
  EXPECT_EQ(c.parser.dropped(), 1u);
}

TEST(sse_parser, memory_stays_bounded_by_the_line_limit) {
  collector c;
  std::string chunk(4096, 'y');
  c.parser.feed("id: ");
  for (int i = 0; i < 2560; ++i) // 10 MiB without a line end
    c.parser.feed(chunk);
  EXPECT_LE(c.parser.buffered(), 64u);
  c.parser.feed("\nevent: huge-id\ndata: x\n\n");
  // The event whose id line was cut off is dropped, not delivered with a
  // truncated id.
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.parser.last_event_id(), "");
  c.parser.feed("data: after\n\n");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "after");
}

TEST(sse_parser, many_data_lines_over_the_event_limit_drop_the_event) {
  collector c;
  for (int i = 0; i < 100; ++i)
    c.parser.feed("data: 0123456789\n");
  c.parser.feed("\ndata: next\n\n");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "next");
}

TEST(sse_parser, odd_fields_are_ignored) {
  collector c;
  c.parser.feed("data\nretry: soon\nfoo: bar\nevent\n\n");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "");
  EXPECT_EQ(c.events[0].type, "");
  EXPECT_EQ(c.parser.retry_ms(), -1);
}

TEST(sse_parser, incomplete_event_is_not_dispatched) {
  collector c;
  c.parser.feed("data: half");
  EXPECT_TRUE(c.events.empty());
}

} // namespace
