#include "providers/health/provider_health.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace kumo::providers::health {

namespace {

using json = nlohmann::json;

constexpr int64_t minute_ms = 60'000;

/// ISO-8601 UTC with milliseconds; "" for 0.
std::string iso_time(int64_t ms) {
  if (ms <= 0)
    return {};
  auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

int64_t read_count(const json& state, const char* key) {
  auto i = state.find(key);
  if (i == state.end() || !i->is_number_integer())
    return 0;
  return std::max<int64_t>(0, i->get<int64_t>());
}

bool probe_slot_free(int64_t probe_started_ms, int64_t now_ms,
                     const breaker_options& opts) {
  return probe_started_ms == 0 || now_ms - probe_started_ms >= opts.cooldown_ms;
}

} // namespace

const char* to_string(breaker_state s) {
  switch (s) {
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  default:
    return "closed";
  }
}

std::optional<breaker_state> parse_breaker_state(const std::string& text) {
  if (text == "closed")
    return breaker_state::closed;
  if (text == "open")
    return breaker_state::open;
  if (text == "half_open")
    return breaker_state::half_open;
  return std::nullopt;
}

int gauge_value(breaker_state s) {
  switch (s) {
  case breaker_state::open:
    return 2;
  case breaker_state::half_open:
    return 1;
  default:
    return 0;
  }
}

provider_health::provider_health(std::string name) : name_(std::move(name)) {
  // nop
}

std::optional<breaker_state>
provider_health::record(const request_outcome& o, int64_t now_ms,
                        const breaker_options& opts) {
  if (!o.ok && is_missing_resource(o.error)) {
    consecutive_failures_ = 0;
    return move_breaker(true, now_ms, opts);
  }
  if (o.ok) {
    ++successes_;
    consecutive_failures_ = 0;
  } else {
    ++failures_;
    ++consecutive_failures_;
    last_error_ = o.error.empty() ? std::string{"failed"} : o.error;
    last_error_at_ms_ = now_ms;
  }
  total_response_ms_ += std::max<int64_t>(0, o.response_ms);
  bytes_ += std::max<int64_t>(0, o.bytes);
  count_minute(o.ok, now_ms);
  return move_breaker(o.ok, now_ms, opts);
}

std::optional<breaker_state>
provider_health::move_breaker(bool ok, int64_t now_ms,
                              const breaker_options& opts) {
  auto before = state_;
  if (state_ == breaker_state::open)
    refresh(now_ms, opts);
  probe_started_ms_ = 0;
  if (ok) {
    state_ = breaker_state::closed;
  } else if (state_ == breaker_state::half_open ||
             consecutive_failures_ >= std::max(1, opts.failure_threshold)) {
    if (state_ != breaker_state::open)
      opened_at_ms_ = now_ms;
    state_ = breaker_state::open;
  }
  if (state_ == before)
    return std::nullopt;
  return state_;
}

std::optional<breaker_state>
provider_health::refresh(int64_t now_ms, const breaker_options& opts) {
  if (state_ != breaker_state::open ||
      now_ms - opened_at_ms_ < opts.cooldown_ms)
    return std::nullopt;
  state_ = breaker_state::half_open;
  probe_started_ms_ = 0;
  return state_;
}

bool provider_health::available(int64_t now_ms,
                                const breaker_options& opts) const {
  switch (state_) {
  case breaker_state::closed:
    return true;
  case breaker_state::half_open:
    return probe_slot_free(probe_started_ms_, now_ms, opts);
  case breaker_state::open:
    return now_ms - opened_at_ms_ >= opts.cooldown_ms;
  }
  return false;
}

bool provider_health::try_acquire(int64_t now_ms, const breaker_options& opts) {
  if (state_ == breaker_state::closed)
    return true;
  if (state_ != breaker_state::half_open ||
      !probe_slot_free(probe_started_ms_, now_ms, opts))
    return false;
  probe_started_ms_ = std::max<int64_t>(now_ms, 1);
  return true;
}

std::optional<breaker_state> provider_health::reset() {
  auto before = state_;
  *this = provider_health{name_};
  if (before == state_)
    return std::nullopt;
  return state_;
}

double provider_health::success_rate() const {
  if (requests() == 0)
    return 100.0;
  return 100.0 * static_cast<double>(successes_) /
         static_cast<double>(requests());
}

double provider_health::average_response_ms() const {
  if (requests() == 0)
    return 0.0;
  return static_cast<double>(total_response_ms_) /
         static_cast<double>(requests());
}

double provider_health::uptime_percent(int64_t now_ms) const {
  int64_t ok = 0;
  int64_t failed = 0;
  auto first = now_ms / minute_ms - (uptime_window_minutes - 1);
  for (const auto& b : minutes_)
    if (b.minute >= first) {
      ok += b.ok;
      failed += b.failed;
    }
  if (ok + failed == 0)
    return 100.0;
  return 100.0 * static_cast<double>(ok) / static_cast<double>(ok + failed);
}

void provider_health::count_minute(bool ok, int64_t now_ms) {
  auto minute = now_ms / minute_ms;
  if (minutes_.empty() || minutes_.back().minute < minute)
    minutes_.push_back({minute, 0, 0});
  // A clock that stepped back counts into the latest bucket.
  auto& bucket = minutes_.back();
  (ok ? bucket.ok : bucket.failed) += 1;
  drop_old_minutes(now_ms);
}

void provider_health::drop_old_minutes(int64_t now_ms) {
  auto first = now_ms / minute_ms - (uptime_window_minutes - 1);
  while (!minutes_.empty() && minutes_.front().minute < first)
    minutes_.pop_front();
}

json provider_health::to_json(int64_t now_ms,
                              const breaker_options& opts) const {
  auto copy = *this;
  copy.refresh(now_ms, opts);
  json out = {
      {"name", name_},
      {"available", available(now_ms, opts)},
      {"breaker", to_string(copy.state_)},
      {"requests", requests()},
      {"successes", successes_},
      {"failures", failures_},
      {"success_rate", success_rate()},
      {"average_response_ms", average_response_ms()},
      {"consecutive_failures", consecutive_failures_},
      {"bytes", bytes_},
      {"uptime_percent", uptime_percent(now_ms)},
      {"last_error", last_error_},
      {"last_error_at", nullptr},
  };
  if (last_error_at_ms_ > 0)
    out["last_error_at"] = iso_time(last_error_at_ms_);
  return out;
}

json provider_health::to_state() const {
  auto minutes = json::array();
  for (const auto& b : minutes_)
    minutes.push_back({b.minute, b.ok, b.failed});
  return {{"successes", successes_},
          {"failures", failures_},
          {"total_response_ms", total_response_ms_},
          {"consecutive_failures", consecutive_failures_},
          {"bytes", bytes_},
          {"last_error", last_error_},
          {"last_error_at_ms", last_error_at_ms_},
          {"breaker", to_string(state_)},
          {"opened_at_ms", opened_at_ms_},
          {"probe_started_ms", probe_started_ms_},
          {"minutes", std::move(minutes)}};
}

result<provider_health> provider_health::from_state(const std::string& name,
                                                    const json& state) {
  if (!state.is_object())
    return invalid("provider health state of " + name + " is not an object");
  provider_health h{name};
  h.successes_ = read_count(state, "successes");
  h.failures_ = read_count(state, "failures");
  h.total_response_ms_ = read_count(state, "total_response_ms");
  h.consecutive_failures_ = read_count(state, "consecutive_failures");
  h.bytes_ = read_count(state, "bytes");
  h.last_error_ = state.value("last_error", std::string{});
  h.last_error_at_ms_ = read_count(state, "last_error_at_ms");
  h.state_ = parse_breaker_state(state.value("breaker", std::string{"closed"}))
                 .value_or(breaker_state::closed);
  h.opened_at_ms_ = read_count(state, "opened_at_ms");
  h.probe_started_ms_ = read_count(state, "probe_started_ms");
  if (auto m = state.find("minutes"); m != state.end() && m->is_array())
    for (const auto& b : *m)
      if (b.is_array() && b.size() == 3 && b[0].is_number_integer() &&
          b[1].is_number_integer() && b[2].is_number_integer())
        h.minutes_.push_back(
            {b[0].get<int64_t>(), b[1].get<int64_t>(), b[2].get<int64_t>()});
  return h;
}

std::vector<std::string> available_providers(std::vector<candidate> all,
                                             int64_t now_ms,
                                             const breaker_options& opts) {
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(a.priority, a.name) < std::tie(b.priority, b.name);
  });
  std::vector<std::string> out;
  for (const auto& c : all)
    if (c.enabled && (!c.health || c.health->available(now_ms, opts)))
      out.push_back(c.name);
  return out;
}

std::optional<std::string> best_provider(const std::vector<candidate>& all,
                                         int64_t now_ms,
                                         const breaker_options& opts) {
  provider_health none;
  auto health = [&](const candidate& c) -> const provider_health& {
    return c.health ? *c.health : none;
  };
  auto key = [&](const candidate& c) {
    const auto& h = health(c);
    return std::make_tuple(c.priority, -h.success_rate(),
                           h.average_response_ms(), c.name);
  };
  std::optional<candidate> best;
  for (const auto& c : all) {
    if (!c.enabled || !health(c).available(now_ms, opts))
      continue;
    if (!best || key(c) < key(*best))
      best = c;
  }
  if (!best)
    return std::nullopt;
  return best->name;
}

std::string no_best_reason(const std::vector<candidate>& all) {
  if (all.empty())
    return "no provider is configured";
  bool any_enabled = std::any_of(all.begin(), all.end(),
                                 [](const auto& c) { return c.enabled; });
  if (!any_enabled)
    return "every provider is disabled";
  return "every enabled provider's circuit breaker is open (or its "
         "half-open probe is taken)";
}

bool is_missing_resource(std::string_view error) {
  std::string text{error};
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* code : {"http 404", "http 410", "http_404", "http_410"}) {
    auto at = text.find(code);
    while (at != std::string::npos) {
      auto end = at + 8;
      bool word_start =
          at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
      bool word_end = end >= text.size() ||
                      !std::isdigit(static_cast<unsigned char>(text[end]));
      if (word_start && word_end)
        return true;
      at = text.find(code, at + 1);
    }
  }
  return false;
}

} // namespace kumo::providers::health
