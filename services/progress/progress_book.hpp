#pragma once

// The live progress of everything Kumo does, kept by the progress service:
// raw updates in, normalized events out. Pure: no CAF, no NATS; time comes
// from an injected clock so tests drive it by hand.

#include "kumo/wire.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::progress {

using steady_time = std::chrono::steady_clock::time_point;
using wall_time = std::chrono::system_clock::time_point;

/// Where time comes from: steady time for throttling windows, wall time for
/// the timestamps clients see.
class clock {
public:
  virtual ~clock() = default;
  virtual steady_time now() const = 0;
  virtual wall_time wall() const = 0;
};

/// The real clocks.
class system_clock_source : public clock {
public:
  steady_time now() const override {
    return std::chrono::steady_clock::now();
  }
  wall_time wall() const override {
    return std::chrono::system_clock::now();
  }
};

struct book_options {
  /// Finished records kept for snapshots, newest first.
  size_t history_size = 200;
  /// Minimum time between two events of the same id and type; updates in
  /// between are coalesced into one trailing event.
  std::chrono::milliseconds min_interval{250};
  /// Live records at most; updates for further new ids are refused.
  size_t max_active = 10'000;
  /// A running record ("started"/"in_progress") silent this long is dropped:
  /// its producer died without a final word.
  std::chrono::milliseconds stale_after{std::chrono::hours(1)};
};

/// The normalized state of one operation.
struct progress_record {
  std::string id;
  std::string kind;   ///< download, scan, queue, system, error
  std::string status; ///< started, in_progress, paused, pending, completed, ...
  std::string title;
  std::string message;
  double percent = 0;
  int64_t current = 0;
  int64_t total = -1;
  int64_t speed_bps = 0;
  int64_t eta_seconds = -1;
  std::string key;    ///< series key, "" when not about a series
  std::string folder; ///< display metadata only
  nlohmann::json metadata = nlohmann::json::object();
  wall_time started_at;
  wall_time updated_at;
  std::string event_type; ///< message type of the record's current state
  std::string room;       ///< room of the record's current state
};

/// One event to publish on kumo.events.<room>.
struct progress_event {
  uint64_t seq = 0;
  std::string type;
  std::string room;
  wall_time timestamp;
  progress_record record;
};

/// Message type and room of a kind+status, e.g. download/completed ->
/// ("download_complete", "downloads"); nullopt for an unknown pair.
std::optional<std::pair<std::string, std::string>>
route_of(const std::string& kind, const std::string& status);

/// True for completed, failed and cancelled.
bool is_terminal(const std::string& status);

/// ISO-8601 UTC with milliseconds, e.g. "2025-11-07T10:05:00.123Z".
std::string iso8601(wall_time t);

/// The record as clients see it (the event's `data`).
nlohmann::json to_json(const progress_record& r);

/// The event as published: {"id": "<epoch>:<seq>", "seq", "type", "room",
/// "timestamp", "data"}.
wire::progress_event to_wire(const progress_event& e, const std::string& epoch);

struct apply_result {
  std::vector<progress_event> events; ///< to publish now, in order
  bool throttled = false;             ///< coalesced into a trailing event
  std::string error;                  ///< non-empty: refused, nothing changed
};

class progress_book {
public:
  /// REQUIRES: `clk` outlives the book.
  progress_book(book_options opts, const clock& clk, std::string epoch);

  /// Merges `u` into its record. Returns the events to publish now: none when
  /// the update is coalesced, one normally, two when a terminal update first
  /// flushes a coalesced one. Terminal updates are never held back.
  apply_result apply(const wire::progress_update& u);

  /// Emits every coalesced event whose window has ended.
  std::vector<progress_event> flush_due();

  /// Emits every coalesced event now (used when draining).
  std::vector<progress_event> flush_all();

  /// When the earliest coalesced event falls due, if any.
  std::optional<steady_time> next_due() const;

  /// Drops running records silent for longer than `stale_after`; returns
  /// how many.
  size_t prune_stale();

  /// {"epoch", "seq", "active", "recent"}, limited to `rooms` unless empty.
  wire::progress_snapshot snapshot(const std::vector<std::string>& rooms) const;

  const std::string& epoch() const {
    return epoch_;
  }
  uint64_t last_seq() const {
    return seq_;
  }
  size_t active_count() const {
    return active_.size();
  }
  size_t history_count() const {
    return history_.size();
  }

private:
  struct entry {
    progress_record record;
    steady_time last_emit{};
    steady_time last_update{};
    bool emitted = false;
    bool pending = false; ///< a coalesced event waits for the window's end
  };

  progress_event emit(entry& e);
  void finish(entry e);
  void drop_from_history(const std::string& id);

  book_options opts_;
  const clock& clock_;
  std::string epoch_;
  uint64_t seq_ = 0;
  std::map<std::string, entry> active_;
  std::deque<progress_record> history_; ///< newest first
};

} // namespace kumo::progress
