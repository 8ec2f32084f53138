#include "progress_book.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

namespace kumo::progress {

namespace {

const std::set<std::string>& known_statuses() {
  static const std::set<std::string> statuses{
      "started",   "in_progress", "paused",   "pending",
      "completed", "failed",      "cancelled"};
  return statuses;
}

using route = std::pair<std::string, std::string>;

route download_route(const std::string& status) {
  if (status == "started" || status == "in_progress")
    return {"download_progress", "download_progress"};
  if (status == "completed")
    return {"download_complete", "downloads"};
  if (status == "failed")
    return {"download_failed", "downloads"};
  if (status == "cancelled")
    return {"download_cancelled", "downloads"};
  if (status == "paused")
    return {"download_paused", "downloads"};
  return {"download_retry", "downloads"}; // pending: waiting for a retry
}

route scan_route(const std::string& status) {
  if (status == "completed")
    return {"scan_complete", "scan_progress"};
  // A cancelled scan ended without a result; data.status says "cancelled".
  if (status == "failed" || status == "cancelled")
    return {"scan_failed", "scan_progress"};
  return {"scan_progress", "scan_progress"};
}

const size_t max_id_length = 256;

} // namespace

bool is_terminal(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

std::optional<std::pair<std::string, std::string>>
route_of(const std::string& kind, const std::string& status) {
  if (known_statuses().count(status) == 0)
    return std::nullopt;
  if (kind == "download")
    return download_route(status);
  if (kind == "scan")
    return scan_route(status);
  if (kind == "queue")
    return route{"queue_status", "queue"};
  if (kind == "system")
    return route{"system_status", "system"};
  if (kind == "error")
    return route{"error", "errors"};
  if (kind == "storage_limit") // the queue's storage gate filled or freed
    return route{"storage_limit", "queue"};
  return std::nullopt;
}

std::string iso8601(wall_time t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<time_t>(ms / 1000);
  if (ms % 1000 < 0)
    --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ",
                static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

nlohmann::json to_json(const progress_record& r) {
  return {{"id", r.id},
          {"type", r.kind},
          {"status", r.status},
          {"title", r.title},
          {"message", r.message},
          {"percent", r.percent},
          {"current", r.current},
          {"total", r.total},
          {"speed_bps", r.speed_bps},
          {"eta_seconds", r.eta_seconds},
          {"key", r.key},
          {"folder", r.folder},
          {"metadata", r.metadata},
          {"started_at", iso8601(r.started_at)},
          {"updated_at", iso8601(r.updated_at)}};
}

wire::progress_event to_wire(const progress_event& e,
                             const std::string& epoch) {
  wire::progress_event out;
  out.id = epoch + ":" + std::to_string(e.seq);
  out.seq = e.seq;
  out.type = e.type;
  out.room = e.room;
  out.timestamp = iso8601(e.timestamp);
  out.data = to_json(e.record);
  return out;
}

namespace {

/// Folds the fields an update carries into the record; absent fields (empty
/// text, negative numbers) keep their previous value.
void merge(progress_record& r, const wire::progress_update& u) {
  r.kind = u.kind;
  r.status = u.status;
  if (!u.title.empty())
    r.title = u.title;
  if (!u.message.empty())
    r.message = u.message;
  if (!u.key.empty())
    r.key = u.key;
  if (!u.folder.empty()) {
    r.folder = u.folder;
    r.metadata["folder"] = u.folder;
  }
  if (u.total >= 0)
    r.total = u.total;
  if (u.current > 0 || u.total >= 0)
    r.current = std::max<int64_t>(0, u.current);
  if (u.percent >= 0)
    r.percent = std::min(u.percent, 100.0);
  else if (r.total > 0)
    r.percent = std::clamp(100.0 * static_cast<double>(r.current) /
                               static_cast<double>(r.total),
                           0.0, 100.0);
  if (u.metadata.is_object())
    for (auto& [k, v] : u.metadata.items())
      r.metadata[k] = v;
  if (is_terminal(u.status)) {
    r.speed_bps = 0;
    r.eta_seconds = u.status == "completed" ? 0 : -1;
    if (u.status == "completed")
      r.percent = 100;
  } else {
    r.speed_bps = std::max<int64_t>(0, u.speed_bps);
    r.eta_seconds = u.eta_seconds < 0 ? -1 : u.eta_seconds;
  }
}

} // namespace

progress_book::progress_book(book_options opts, const clock& clk,
                             std::string epoch)
    : opts_(opts), clock_(clk), epoch_(std::move(epoch)) {
  // nop
}

progress_event progress_book::emit(entry& e) {
  e.last_emit = clock_.now();
  e.emitted = true;
  e.pending = false;
  return {++seq_, e.record.event_type, e.record.room, clock_.wall(), e.record};
}

void progress_book::drop_from_history(const std::string& id) {
  history_.erase(
      std::remove_if(history_.begin(), history_.end(),
                     [&](const progress_record& r) { return r.id == id; }),
      history_.end());
}

void progress_book::finish(entry e) {
  drop_from_history(e.record.id);
  history_.push_front(std::move(e.record));
  while (history_.size() > opts_.history_size)
    history_.pop_back();
}

apply_result progress_book::apply(const wire::progress_update& u) {
  apply_result out;
  if (u.id.empty() || u.id.size() > max_id_length) {
    out.error = "id must have 1 to 256 characters";
    return out;
  }
  auto where = route_of(u.kind, u.status);
  if (!where) {
    out.error = "unknown kind/status '" + u.kind + "/" + u.status + "'";
    return out;
  }
  auto i = active_.find(u.id);
  if (i == active_.end()) {
    if (active_.size() >= opts_.max_active) {
      out.error = "too many live records";
      return out;
    }
    entry fresh;
    fresh.record.id = u.id;
    fresh.record.started_at = clock_.wall();
    // A finished id that starts again lives on as active only.
    drop_from_history(u.id);
    i = active_.emplace(u.id, std::move(fresh)).first;
  }
  auto& e = i->second;
  bool terminal = is_terminal(u.status);
  bool type_changes = e.emitted && e.record.event_type != where->first;
  // A coalesced event of another phase goes out first, as it was.
  if (e.pending && (terminal || type_changes))
    out.events.push_back(emit(e));
  merge(e.record, u);
  e.record.event_type = where->first;
  e.record.room = where->second;
  e.record.updated_at = clock_.wall();
  e.last_update = clock_.now();
  bool window_over = clock_.now() - e.last_emit >= opts_.min_interval;
  if (terminal || type_changes || !e.emitted || window_over) {
    out.events.push_back(emit(e));
  } else {
    e.pending = true;
    out.throttled = true;
  }
  if (terminal) {
    finish(std::move(e));
    active_.erase(i);
  }
  return out;
}

std::vector<progress_event> progress_book::flush_due() {
  std::vector<progress_event> out;
  auto now = clock_.now();
  for (auto& [id, e] : active_)
    if (e.pending && now - e.last_emit >= opts_.min_interval)
      out.push_back(emit(e));
  return out;
}

std::vector<progress_event> progress_book::flush_all() {
  std::vector<progress_event> out;
  for (auto& [id, e] : active_)
    if (e.pending)
      out.push_back(emit(e));
  return out;
}

std::optional<steady_time> progress_book::next_due() const {
  std::optional<steady_time> out;
  for (const auto& [id, e] : active_)
    if (e.pending) {
      auto due = e.last_emit + opts_.min_interval;
      if (!out || due < *out)
        out = due;
    }
  return out;
}

size_t progress_book::prune_stale() {
  size_t pruned = 0;
  auto now = clock_.now();
  for (auto i = active_.begin(); i != active_.end();) {
    const auto& status = i->second.record.status;
    bool running = status == "started" || status == "in_progress";
    if (running && now - i->second.last_update > opts_.stale_after) {
      i = active_.erase(i);
      ++pruned;
    } else {
      ++i;
    }
  }
  return pruned;
}

wire::progress_snapshot
progress_book::snapshot(const std::vector<std::string>& rooms) const {
  auto wanted = [&](const progress_record& r) {
    return rooms.empty() ||
           std::find(rooms.begin(), rooms.end(), r.room) != rooms.end();
  };
  std::vector<const progress_record*> live;
  for (const auto& [id, e] : active_)
    if (wanted(e.record))
      live.push_back(&e.record);
  std::sort(live.begin(), live.end(), [](auto* a, auto* b) {
    return a->started_at != b->started_at ? a->started_at < b->started_at
                                          : a->id < b->id;
  });
  wire::progress_snapshot out;
  out.epoch = epoch_;
  out.seq = seq_;
  for (auto* r : live)
    out.active.push_back(to_json(*r));
  for (const auto& r : history_)
    if (wanted(r))
      out.recent.push_back(to_json(r));
  return out;
}

} // namespace kumo::progress
