#include "progress_book.hpp"

#include <gtest/gtest.h>

namespace {

using namespace kumo::progress;
using namespace std::chrono_literals;
using kumo::wire::progress_update;

class manual_clock : public clock {
public:
  steady_time now() const override {
    return steady_;
  }
  wall_time wall() const override {
    return wall_;
  }
  void advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ += d;
  }

private:
  steady_time steady_{std::chrono::hours(1)};
  wall_time wall_{std::chrono::seconds(1'762'509'600)}; // 2025-11-07T10:00:00Z
};

progress_update update(const std::string& id, const std::string& status,
                       int64_t current = 0, int64_t total = -1) {
  progress_update u;
  u.id = id;
  u.kind = "download";
  u.status = status;
  u.current = current;
  u.total = total;
  u.key = "attack-on-titan";
  u.folder = "Attack on Titan (2013)";
  return u;
}

class book_test : public ::testing::Test {
protected:
  book_options opts() {
    book_options o;
    o.history_size = 3;
    o.min_interval = 250ms;
    return o;
  }
  manual_clock clk;
  progress_book book{opts(), clk, "e1"};
};

TEST_F(book_test, first_update_goes_out_at_once_with_derived_percent) {
  auto r = book.apply(update("d1", "started", 25, 100));
  ASSERT_TRUE(r.error.empty());
  ASSERT_EQ(r.events.size(), 1u);
  const auto& e = r.events[0];
  EXPECT_EQ(e.seq, 1u);
  EXPECT_EQ(e.type, "download_progress");
  EXPECT_EQ(e.room, "download_progress");
  EXPECT_DOUBLE_EQ(e.record.percent, 25.0);
  EXPECT_EQ(e.record.key, "attack-on-titan");
  EXPECT_EQ(e.record.metadata["folder"], "Attack on Titan (2013)");
  auto w = to_wire(e, book.epoch());
  EXPECT_EQ(w.id, "e1:1");
  EXPECT_EQ(w.timestamp, "2025-11-07T10:00:00.000Z");
  EXPECT_EQ(w.data["type"], "download");
  EXPECT_EQ(w.data["status"], "started");
  EXPECT_EQ(w.data["started_at"], "2025-11-07T10:00:00.000Z");
}

TEST_F(book_test, updates_within_the_window_are_coalesced_into_a_trailing_one) {
  book.apply(update("d1", "in_progress", 1, 100));
  clk.advance(50ms);
  auto second = book.apply(update("d1", "in_progress", 2, 100));
  EXPECT_TRUE(second.events.empty());
  EXPECT_TRUE(second.throttled);
  clk.advance(50ms);
  auto third = book.apply(update("d1", "in_progress", 3, 100));
  EXPECT_TRUE(third.events.empty());
  ASSERT_TRUE(book.next_due().has_value());
  EXPECT_EQ(*book.next_due(), clk.now() + 150ms);
  EXPECT_TRUE(book.flush_due().empty()); // the window is still open
  clk.advance(150ms);
  auto trailing = book.flush_due();
  ASSERT_EQ(trailing.size(), 1u);
  EXPECT_EQ(trailing[0].record.current, 3); // the last value, not a stale one
  EXPECT_EQ(trailing[0].seq, 2u);
  EXPECT_FALSE(book.next_due().has_value());
  EXPECT_TRUE(book.flush_due().empty());
}

TEST_F(book_test, an_update_after_the_window_goes_out_at_once) {
  book.apply(update("d1", "in_progress", 1, 100));
  clk.advance(300ms);
  auto r = book.apply(update("d1", "in_progress", 2, 100));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_FALSE(r.throttled);
}

TEST_F(book_test, throttling_is_per_id) {
  book.apply(update("d1", "in_progress", 1, 100));
  auto other = book.apply(update("d2", "in_progress", 1, 100));
  EXPECT_EQ(other.events.size(), 1u);
}

TEST_F(book_test,
       terminal_update_is_never_throttled_and_flushes_the_pending_first) {
  book.apply(update("d1", "in_progress", 10, 100));
  clk.advance(10ms);
  book.apply(update("d1", "in_progress", 90, 100)); // coalesced
  clk.advance(10ms);
  auto done = book.apply(update("d1", "completed", 100, 100));
  ASSERT_EQ(done.events.size(), 2u);
  EXPECT_EQ(done.events[0].type, "download_progress");
  EXPECT_EQ(done.events[0].record.current, 90);
  EXPECT_EQ(done.events[1].type, "download_complete");
  EXPECT_EQ(done.events[1].room, "downloads");
  EXPECT_EQ(done.events[1].record.status, "completed");
  EXPECT_DOUBLE_EQ(done.events[1].record.percent, 100.0);
  EXPECT_LT(done.events[0].seq, done.events[1].seq);
  EXPECT_EQ(book.active_count(), 0u);
  EXPECT_FALSE(book.next_due().has_value());
  auto snap = book.snapshot({});
  ASSERT_EQ(snap.recent.size(), 1u);
  EXPECT_EQ(snap.recent[0]["status"], "completed");
  EXPECT_EQ(snap.seq, done.events[1].seq);
}

TEST_F(book_test, terminal_updates_in_a_burst_are_all_delivered) {
  for (int i = 0; i < 50; ++i) {
    auto id = "d" + std::to_string(i);
    book.apply(update(id, "in_progress", 1, 10));
    auto r = book.apply(update(id, i % 3 == 0 ? "failed" : "completed"));
    ASSERT_FALSE(r.events.empty());
    EXPECT_TRUE(is_terminal(r.events.back().record.status));
  }
}

TEST_F(book_test, a_change_of_phase_is_not_coalesced) {
  book.apply(update("d1", "in_progress", 1, 100));
  clk.advance(10ms);
  auto paused = book.apply(update("d1", "paused"));
  ASSERT_EQ(paused.events.size(), 1u);
  EXPECT_EQ(paused.events[0].type, "download_paused");
  clk.advance(10ms);
  auto retry = book.apply(update("d1", "pending"));
  ASSERT_EQ(retry.events.size(), 1u);
  EXPECT_EQ(retry.events[0].type, "download_retry");
}

TEST_F(book_test, history_is_bounded_newest_first_and_ids_stay_unique) {
  for (int i = 0; i < 5; ++i)
    book.apply(update("d" + std::to_string(i), "completed"));
  EXPECT_EQ(book.history_count(), 3u);
  book.apply(update("d3", "started")); // runs again: only active now
  EXPECT_EQ(book.history_count(), 2u);
  book.apply(update("d3", "failed"));
  auto snap = book.snapshot({});
  ASSERT_EQ(snap.recent.size(), 3u);
  EXPECT_EQ(snap.recent[0]["id"], "d3");
  EXPECT_EQ(snap.recent[0]["status"], "failed");
  EXPECT_EQ(snap.recent[1]["id"], "d4");
  EXPECT_EQ(snap.recent[2]["id"], "d2");
}

TEST_F(book_test, seq_is_monotonic_across_ids_and_flushes) {
  uint64_t last = 0;
  auto check = [&](const std::vector<progress_event>& events) {
    for (const auto& e : events) {
      EXPECT_EQ(e.seq, last + 1);
      last = e.seq;
    }
  };
  for (int round = 0; round < 20; ++round) {
    for (int id = 0; id < 4; ++id)
      check(book.apply(
                    update("d" + std::to_string(id), "in_progress", round, 100))
                .events);
    clk.advance(100ms);
    check(book.flush_due());
  }
  check(book.flush_all());
  EXPECT_EQ(book.last_seq(), last);
}

TEST_F(book_test, maps_every_kind_and_status_to_its_type_and_room) {
  struct row {
    const char* kind;
    const char* status;
    const char* type;
    const char* room;
  };
  const row rows[] = {
      {"download", "started", "download_progress", "download_progress"},
      {"download", "in_progress", "download_progress", "download_progress"},
      {"download", "completed", "download_complete", "downloads"},
      {"download", "failed", "download_failed", "downloads"},
      {"download", "cancelled", "download_cancelled", "downloads"},
      {"download", "paused", "download_paused", "downloads"},
      {"download", "pending", "download_retry", "downloads"},
      {"queue", "in_progress", "queue_status", "queue"},
      {"scan", "started", "scan_progress", "scan_progress"},
      {"scan", "in_progress", "scan_progress", "scan_progress"},
      {"scan", "completed", "scan_complete", "scan_progress"},
      {"scan", "failed", "scan_failed", "scan_progress"},
      {"scan", "cancelled", "scan_failed", "scan_progress"},
      {"system", "in_progress", "system_status", "system"},
      {"error", "failed", "error", "errors"},
      {"storage_limit", "paused", "storage_limit", "queue"},
      {"storage_limit", "completed", "storage_limit", "queue"},
  };
  for (const auto& r : rows) {
    auto got = route_of(r.kind, r.status);
    ASSERT_TRUE(got.has_value()) << r.kind << "/" << r.status;
    EXPECT_EQ(got->first, r.type) << r.kind << "/" << r.status;
    EXPECT_EQ(got->second, r.room) << r.kind << "/" << r.status;
  }
  EXPECT_FALSE(route_of("download", "exploded").has_value());
  EXPECT_FALSE(route_of("weather", "in_progress").has_value());
}

TEST_F(book_test, bad_updates_are_refused_and_change_nothing) {
  auto u = update("", "in_progress");
  EXPECT_FALSE(book.apply(u).error.empty());
  u = update("d1", "nonsense");
  EXPECT_FALSE(book.apply(u).error.empty());
  u = update(std::string(300, 'x'), "in_progress");
  EXPECT_FALSE(book.apply(u).error.empty());
  EXPECT_EQ(book.active_count(), 0u);
  EXPECT_EQ(book.last_seq(), 0u);
}

TEST_F(book_test, live_records_are_capped) {
  book_options o = opts();
  o.max_active = 2;
  progress_book small{o, clk, "e2"};
  EXPECT_TRUE(small.apply(update("a", "started")).error.empty());
  EXPECT_TRUE(small.apply(update("b", "started")).error.empty());
  EXPECT_FALSE(small.apply(update("c", "started")).error.empty());
  EXPECT_TRUE(small.apply(update("a", "completed")).error.empty());
  EXPECT_TRUE(small.apply(update("c", "started")).error.empty());
}

TEST_F(book_test, absent_fields_keep_their_value) {
  auto u = update("d1", "in_progress", 50, 200);
  u.title = "Downloading S01E01";
  u.metadata = {{"season", 1}};
  book.apply(u);
  clk.advance(1s);
  progress_update bare;
  bare.id = "d1";
  bare.kind = "download";
  bare.status = "completed";
  auto r = book.apply(bare);
  ASSERT_EQ(r.events.size(), 1u);
  const auto& rec = r.events[0].record;
  EXPECT_EQ(rec.title, "Downloading S01E01");
  EXPECT_EQ(rec.total, 200);
  EXPECT_EQ(rec.key, "attack-on-titan");
  EXPECT_EQ(rec.metadata["season"], 1);
  EXPECT_EQ(rec.speed_bps, 0);
  EXPECT_EQ(rec.eta_seconds, 0);
  EXPECT_EQ(rec.started_at + 1s, rec.updated_at);
}

TEST_F(book_test, snapshot_filters_by_room) {
  book.apply(update("d1", "in_progress", 1, 2));
  book.apply(update("d2", "completed"));
  progress_update scan;
  scan.id = "library_scan";
  scan.kind = "scan";
  scan.status = "in_progress";
  book.apply(scan);
  auto all = book.snapshot({});
  EXPECT_EQ(all.active.size(), 2u);
  EXPECT_EQ(all.recent.size(), 1u);
  EXPECT_EQ(all.epoch, "e1");
  auto downloads = book.snapshot({"downloads"});
  EXPECT_EQ(downloads.active.size(), 0u);
  EXPECT_EQ(downloads.recent.size(), 1u);
  auto scans = book.snapshot({"scan_progress"});
  ASSERT_EQ(scans.active.size(), 1u);
  EXPECT_EQ(scans.active[0]["id"], "library_scan");
}

TEST_F(book_test, silent_running_records_are_pruned_but_paused_ones_stay) {
  book_options o = opts();
  o.stale_after = 1min;
  progress_book b{o, clk, "e3"};
  b.apply(update("running", "in_progress"));
  b.apply(update("paused", "paused"));
  clk.advance(30s);
  EXPECT_EQ(b.prune_stale(), 0u);
  clk.advance(31s);
  EXPECT_EQ(b.prune_stale(), 1u);
  EXPECT_EQ(b.active_count(), 1u);
}

TEST(iso8601, formats_utc_with_milliseconds) {
  wall_time t{std::chrono::milliseconds(1'762'509'600'123)};
  EXPECT_EQ(iso8601(t), "2025-11-07T10:00:00.123Z");
}

} // namespace
