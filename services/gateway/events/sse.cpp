#include "events/sse.hpp"

#include "kumo/bus.hpp"
#include "kumo/subjects.hpp"

#include <algorithm>

namespace kumo::gateway::sse {

std::optional<position> parse_event_id(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size() ||
      text.size() > 128)
    return std::nullopt;
  auto digits = text.substr(colon + 1);
  if (digits.size() > 19 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return position{text.substr(0, colon), std::stoull(digits)};
}

namespace {

/// Room names are ASCII; anything else is not echoed back.
bool printable_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f; });
}

} // namespace

std::variant<std::set<std::string>, std::string>
parse_rooms(const std::string& csv) {
  std::set<std::string> out;
  const auto& known = subjects::event_rooms();
  size_t start = 0;
  while (start <= csv.size()) {
    auto comma = csv.find(',', start);
    auto name = csv.substr(start, comma == std::string::npos ? std::string::npos
                                                             : comma - start);
    if (!name.empty()) {
      if (std::find(known.begin(), known.end(), name) == known.end())
        return printable_ascii(name)
                   ? "unknown room '" + name.substr(0, 64) + "'"
                   : std::string{"unknown room (not printable ASCII)"};
      out.insert(name);
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

std::optional<event> parse_event(const std::string& payload) {
  auto w = decode<wire::progress_event>(payload);
  if (!w || w->type.empty() || w->room.empty())
    return std::nullopt;
  auto pos = parse_event_id(w->id);
  if (!pos || pos->seq != w->seq || w->seq == 0)
    return std::nullopt;
  event out;
  out.epoch = pos->epoch;
  out.seq = pos->seq;
  out.room = w->room;
  out.type = w->type;
  out.frame = frame(w->id, w->type, nlohmann::json(*w).dump());
  return out;
}

std::string frame(const std::string& id, const std::string& type,
                  const std::string& data) {
  std::string out;
  out.reserve(data.size() + id.size() + type.size() + 32);
  out += "id: ";
  out += id;
  out += "\nevent: ";
  out += type;
  out += '\n';
  size_t start = 0;
  for (;;) {
    auto nl = data.find('\n', start);
    out += "data: ";
    out.append(data, start,
               nl == std::string::npos ? std::string::npos : nl - start);
    out += '\n';
    if (nl == std::string::npos)
      break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

std::string comment(const std::string& text) {
  return ": " + text + "\n\n";
}

std::string retry_hint(std::chrono::milliseconds delay) {
  return "retry: " + std::to_string(delay.count()) + "\n\n";
}

// -- event_ring ---------------------------------------------------------------

event_ring::event_ring(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {
  // nop
}

bool event_ring::push(event_ptr e) {
  if (!events_.empty() && e->epoch == epoch_ && e->seq <= last_seq_)
    return false;
  if (events_.empty() || e->epoch != epoch_ || e->seq != last_seq_ + 1)
    run_start_ = e->seq;
  epoch_ = e->epoch;
  last_seq_ = e->seq;
  events_.push_back(std::move(e));
  if (events_.size() > capacity_) {
    const auto& gone = events_.front();
    if (gone->epoch == epoch_ && gone->seq >= run_start_)
      run_start_ = gone->seq + 1;
    events_.pop_front();
  }
  return true;
}

std::optional<std::vector<event_ptr>>
event_ring::replay_after(const position& from,
                         const std::set<std::string>& rooms) const {
  if (events_.empty() || from.epoch != epoch_ || from.seq > last_seq_ ||
      from.seq + 1 < run_start_)
    return std::nullopt;
  std::vector<event_ptr> out;
  // Newest first until `from`, then reversed: replays are usually short.
  for (auto i = events_.rbegin(); i != events_.rend(); ++i) {
    const auto& e = *i;
    if (e->epoch != epoch_ || e->seq <= from.seq)
      break;
    if (rooms.empty() || rooms.count(e->room))
      out.push_back(e);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// -- stream_logic -------------------------------------------------------------

stream_logic::stream_logic(snapshot_fn fetch, std::chrono::milliseconds retry)
    : fetch_(std::move(fetch)), retry_(retry) {
  // nop
}

std::string stream_logic::init() {
  ++inits_;
  auto snap = fetch_();
  nlohmann::json data;
  std::string id;
  if (snap) {
    floor_ = position{snap->epoch, snap->seq};
    synced_.insert(snap->epoch);
    id = snap->epoch + ":" + std::to_string(snap->seq);
    data = nlohmann::json(*snap);
    data["progress_unavailable"] = false;
  } else {
    floor_.reset();
    data = nlohmann::json(wire::progress_snapshot{});
    data["progress_unavailable"] = true;
  }
  return frame(id, "init", data.dump());
}

std::string
stream_logic::open(const std::optional<position>& resumed_from,
                   const std::optional<std::vector<event_ptr>>& replay) {
  auto out = retry_hint(retry_);
  if (!resumed_from || !replay)
    return out + init();
  floor_ = resumed_from;
  synced_.insert(resumed_from->epoch);
  return out + on_events(*replay);
}

std::string stream_logic::on_events(const std::vector<event_ptr>& batch) {
  std::string out;
  for (const auto& e : batch) {
    // First event of a progress run this stream has no sync point for
    // (progress restarted, or was down at open): take a fresh snapshot.
    if (synced_.insert(e->epoch).second)
      out += init();
    if (floor_ && floor_->epoch == e->epoch && e->seq <= floor_->seq)
      continue;
    out += e->frame;
    floor_ = position{e->epoch, e->seq};
  }
  return out;
}

} // namespace kumo::gateway::sse
