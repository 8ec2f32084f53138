#include "events/sse.hpp"
#include "http/mailbox.hpp"
#include "kumo/bus.hpp"

#include <gtest/gtest.h>
#include <thread>

namespace {

using namespace kumo::gateway;
using namespace kumo::gateway::sse;
using namespace std::chrono_literals;

event_ptr ev(const std::string& epoch, uint64_t seq,
             const std::string& room = "download_progress") {
  event e;
  e.epoch = epoch;
  e.seq = seq;
  e.room = room;
  e.type = "t";
  e.frame = "[" + epoch + ":" + std::to_string(seq) + "]";
  return std::make_shared<const event>(std::move(e));
}

std::vector<uint64_t> seqs(const std::vector<event_ptr>& events) {
  std::vector<uint64_t> out;
  out.reserve(events.size());
  for (const auto& e : events)
    out.push_back(e->seq);
  return out;
}

// -- framing -----------------------------------------------------------------

TEST(sse_framing, frames_id_event_and_data) {
  EXPECT_EQ(frame("e:1", "download_progress", R"({"a":1})"),
            "id: e:1\nevent: download_progress\ndata: {\"a\":1}\n\n");
}

TEST(sse_framing, splits_data_lines_so_a_newline_cannot_end_the_event) {
  EXPECT_EQ(frame("", "x", "one\ntwo\n\nthree"),
            "id: \nevent: x\ndata: one\ndata: two\ndata: \ndata: three\n\n");
}

TEST(sse_framing, comments_and_retry_hints) {
  EXPECT_EQ(comment("keepalive"), ": keepalive\n\n");
  EXPECT_EQ(retry_hint(3000ms), "retry: 3000\n\n");
}

TEST(sse_framing, parses_event_ids) {
  auto p = parse_event_id("0123abcd:42");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->epoch, "0123abcd");
  EXPECT_EQ(p->seq, 42u);
  EXPECT_FALSE(parse_event_id(""));
  EXPECT_FALSE(parse_event_id("abc"));
  EXPECT_FALSE(parse_event_id(":5"));
  EXPECT_FALSE(parse_event_id("abc:"));
  EXPECT_FALSE(parse_event_id("abc:-1"));
  EXPECT_FALSE(parse_event_id("abc:12x"));
  EXPECT_FALSE(parse_event_id("abc:99999999999999999999999"));
}

TEST(sse_framing, parses_rooms_and_refuses_unknown_ones) {
  auto all = parse_rooms("");
  ASSERT_TRUE(std::holds_alternative<std::set<std::string>>(all));
  EXPECT_TRUE(std::get<std::set<std::string>>(all).empty());
  auto two = parse_rooms("downloads,download_progress,,downloads");
  ASSERT_TRUE(std::holds_alternative<std::set<std::string>>(two));
  EXPECT_EQ(std::get<std::set<std::string>>(two).size(), 2u);
  auto bad = parse_rooms("downloads,kitchen");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_NE(std::get<std::string>(bad).find("kitchen"), std::string::npos);
}

TEST(sse_framing, parses_published_events_and_refuses_garbage) {
  kumo::wire::progress_event w;
  w.id = "ep:7";
  w.seq = 7;
  w.type = "download_complete";
  w.room = "downloads";
  w.timestamp = "2025-11-07T10:00:00.000Z";
  w.data = {{"id", "download:1"}, {"message", "two\nlines"}};
  auto e = parse_event(kumo::encode(w));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->epoch, "ep");
  EXPECT_EQ(e->seq, 7u);
  EXPECT_EQ(e->room, "downloads");
  EXPECT_EQ(e->frame.rfind("id: ep:7\nevent: download_complete\ndata: {", 0),
            0u);
  EXPECT_EQ(std::count(e->frame.begin(), e->frame.end(), '\n'), 4);
  EXPECT_FALSE(parse_event("not json"));
  EXPECT_FALSE(parse_event("{}"));
  w.seq = 8; // id and seq disagree
  EXPECT_FALSE(parse_event(kumo::encode(w)));
}

// -- ring --------------------------------------------------------------------

TEST(event_ring, replays_what_came_after_a_position) {
  event_ring ring{16};
  for (uint64_t s = 1; s <= 10; ++s)
    ASSERT_TRUE(ring.push(ev("e", s)));
  auto r = ring.replay_after({"e", 6}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(seqs(*r), (std::vector<uint64_t>{7, 8, 9, 10}));
  auto none = ring.replay_after({"e", 10}, {});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(event_ring, refuses_when_events_were_evicted) {
  event_ring ring{4};
  for (uint64_t s = 1; s <= 10; ++s)
    ring.push(ev("e", s));
  EXPECT_EQ(ring.size(), 4u);
  EXPECT_FALSE(ring.replay_after({"e", 5}, {})); // 6 is gone
  auto r = ring.replay_after({"e", 6}, {});      // 7..10 all held
  ASSERT_TRUE(r);
  EXPECT_EQ(seqs(*r), (std::vector<uint64_t>{7, 8, 9, 10}));
}

TEST(event_ring, refuses_other_epochs_and_positions_from_the_future) {
  event_ring ring{16};
  EXPECT_FALSE(ring.replay_after({"e", 0}, {})); // empty: proves nothing
  for (uint64_t s = 1; s <= 3; ++s)
    ring.push(ev("e", s));
  EXPECT_FALSE(ring.replay_after({"other", 1}, {}));
  EXPECT_FALSE(ring.replay_after({"e", 4}, {}));
}

TEST(event_ring, a_gap_in_seq_starts_a_new_run) {
  event_ring ring{16};
  ring.push(ev("e", 1));
  ring.push(ev("e", 2));
  ring.push(ev("e", 5)); // 3 and 4 never reached this gateway
  ring.push(ev("e", 6));
  EXPECT_FALSE(ring.replay_after({"e", 2}, {}));
  EXPECT_FALSE(ring.replay_after({"e", 3}, {}));
  auto r = ring.replay_after({"e", 4}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(seqs(*r), (std::vector<uint64_t>{5, 6}));
}

TEST(event_ring, a_fresh_gateway_can_resume_from_just_before_its_first_event) {
  event_ring ring{16};
  ring.push(ev("e", 100));
  ring.push(ev("e", 101));
  EXPECT_FALSE(ring.replay_after({"e", 98}, {}));
  auto r = ring.replay_after({"e", 99}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(seqs(*r), (std::vector<uint64_t>{100, 101}));
}

TEST(event_ring, drops_duplicates_and_follows_a_new_epoch) {
  event_ring ring{16};
  ring.push(ev("a", 1));
  ring.push(ev("a", 2));
  EXPECT_FALSE(ring.push(ev("a", 2)));
  EXPECT_FALSE(ring.push(ev("a", 1)));
  EXPECT_TRUE(ring.push(ev("b", 1)));
  EXPECT_EQ(ring.epoch(), "b");
  EXPECT_FALSE(ring.replay_after({"a", 1}, {}));
  auto r = ring.replay_after({"b", 0}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(seqs(*r), (std::vector<uint64_t>{1}));
}

TEST(event_ring, replays_only_the_requested_rooms) {
  event_ring ring{16};
  ring.push(ev("e", 1, "downloads"));
  ring.push(ev("e", 2, "download_progress"));
  ring.push(ev("e", 3, "downloads"));
  auto r = ring.replay_after({"e", 0}, {"downloads"});
  ASSERT_TRUE(r);
  EXPECT_EQ(seqs(*r), (std::vector<uint64_t>{1, 3}));
}

// -- stream logic ------------------------------------------------------------

struct fake_progress {
  std::optional<kumo::wire::progress_snapshot> snap;
  int calls = 0;
  stream_logic::snapshot_fn fn() {
    return [this] {
      ++calls;
      return snap;
    };
  }
};

kumo::wire::progress_snapshot snapshot(const std::string& epoch, uint64_t seq) {
  kumo::wire::progress_snapshot s;
  s.epoch = epoch;
  s.seq = seq;
  s.recent.push_back({{"id", "download:1"}, {"status", "completed"}});
  return s;
}

TEST(stream_logic,
     opens_with_retry_and_init_then_drops_what_the_snapshot_holds) {
  fake_progress p;
  p.snap = snapshot("e", 5);
  stream_logic s{p.fn(), 3000ms};
  auto open = s.open(std::nullopt, std::nullopt);
  EXPECT_EQ(open.rfind("retry: 3000\n\nid: e:5\nevent: init\ndata: {", 0), 0u);
  EXPECT_NE(open.find("\"progress_unavailable\":false"), std::string::npos);
  EXPECT_NE(open.find("\"recent\":[{"), std::string::npos);
  // Buffered while the snapshot was taken: 4 and 5 are in it already.
  auto out = s.on_events({ev("e", 4), ev("e", 5), ev("e", 6), ev("e", 7)});
  EXPECT_EQ(out, "[e:6][e:7]");
  EXPECT_EQ(s.on_events({ev("e", 7), ev("e", 8)}), "[e:8]");
  EXPECT_EQ(p.calls, 1);
}

TEST(stream_logic, resumes_with_the_replay_and_no_init) {
  fake_progress p;
  stream_logic s{p.fn(), 1000ms};
  std::vector<event_ptr> missed{ev("e", 11), ev("e", 12)};
  auto open = s.open(position{"e", 10}, missed);
  EXPECT_EQ(open, "retry: 1000\n\n[e:11][e:12]");
  EXPECT_EQ(p.calls, 0);
  // A live event the replay already carried is not sent twice.
  EXPECT_EQ(s.on_events({ev("e", 12), ev("e", 13)}), "[e:13]");
  EXPECT_EQ(s.inits(), 0u);
}

TEST(stream_logic, sends_init_when_the_replay_is_impossible) {
  fake_progress p;
  p.snap = snapshot("e", 50);
  stream_logic s{p.fn(), 1000ms};
  auto open = s.open(position{"e", 10}, std::nullopt);
  EXPECT_NE(open.find("event: init"), std::string::npos);
  EXPECT_EQ(s.inits(), 1u);
}

TEST(stream_logic, a_new_progress_epoch_brings_a_fresh_init) {
  fake_progress p;
  p.snap = snapshot("old", 9);
  stream_logic s{p.fn(), 1000ms};
  s.open(std::nullopt, std::nullopt);
  EXPECT_EQ(s.on_events({ev("old", 10)}), "[old:10]");
  p.snap = snapshot("new", 2); // progress restarted
  auto out = s.on_events({ev("new", 1), ev("new", 2), ev("new", 3)});
  EXPECT_EQ(out.rfind("id: new:2\nevent: init\n", 0), 0u);
  EXPECT_EQ(out.substr(out.size() - 7), "[new:3]");
  EXPECT_EQ(s.inits(), 2u);
  EXPECT_EQ(s.on_events({ev("new", 4)}), "[new:4]");
}

TEST(stream_logic,
     an_unavailable_progress_service_gives_an_empty_init_then_a_real_one) {
  fake_progress p;
  stream_logic s{p.fn(), 1000ms};
  auto open = s.open(std::nullopt, std::nullopt);
  EXPECT_NE(open.find("id: \nevent: init\n"), std::string::npos);
  EXPECT_NE(open.find("\"progress_unavailable\":true"), std::string::npos);
  EXPECT_NE(open.find("\"active\":[]"), std::string::npos);
  p.snap = snapshot("e", 3); // back again
  auto out = s.on_events({ev("e", 3), ev("e", 4)});
  EXPECT_EQ(out.rfind("id: e:3\nevent: init\n", 0), 0u);
  EXPECT_EQ(out.substr(out.size() - 5), "[e:4]");
}

TEST(stream_logic,
     without_any_snapshot_events_still_flow_and_init_is_tried_once) {
  fake_progress p;
  stream_logic s{p.fn(), 1000ms};
  s.open(std::nullopt, std::nullopt);
  auto out = s.on_events({ev("e", 1), ev("e", 2)});
  EXPECT_NE(out.find("[e:1][e:2]"), std::string::npos);
  EXPECT_EQ(s.on_events({ev("e", 3)}), "[e:3]");
  EXPECT_EQ(p.calls, 2); // at open, and once for epoch "e"
}

// -- mailbox -----------------------------------------------------------------

TEST(bounded_mailbox, hands_over_in_order) {
  bounded_mailbox<int> box{8};
  EXPECT_TRUE(box.push(1));
  EXPECT_TRUE(box.push(2));
  auto got = box.take(std::chrono::steady_clock::now());
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_TRUE(box.take(std::chrono::steady_clock::now() + 10ms).empty());
}

TEST(bounded_mailbox, a_consumer_that_falls_behind_is_cut_off) {
  bounded_mailbox<int> box{3};
  EXPECT_TRUE(box.push(1));
  EXPECT_TRUE(box.push(2));
  EXPECT_TRUE(box.push(3));
  EXPECT_FALSE(box.push(4));
  EXPECT_TRUE(box.closed());
  EXPECT_TRUE(box.overflowed());
  EXPECT_FALSE(box.push(5));
}

TEST(bounded_mailbox, close_wakes_a_waiting_consumer) {
  bounded_mailbox<int> box{3};
  auto start = std::chrono::steady_clock::now();
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    box.close();
  });
  box.take(start + 10s);
  closer.join();
  EXPECT_TRUE(box.closed());
  EXPECT_FALSE(box.overflowed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

} // namespace
