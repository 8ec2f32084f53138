// Providers in the store: their runtime settings, health and breaker
// (provider_config, provider_health), fed by the source outcomes of worker
// reports and read at claim time to pick an item's source.

#include "store_tx.hpp"

#include <algorithm>

namespace kumo::queue::detail {

namespace {

using json = nlohmann::json;
namespace health = providers::health;

const std::string provider_select = R"(
SELECT c.name, c.enabled, c.priority, c.timeout_s, c.retries, c.retry_delay_s,
       c.max_concurrent, c.bandwidth_limit_bps, c.max_connections,
       c.in_failover, h.state::text AS state,
       (extract(epoch FROM now()) * 1000)::bigint AS now_ms
FROM provider_config c JOIN provider_health h USING (name))";

const sql::statement all_providers{
    "queue_all_providers", provider_select + " ORDER BY c.priority, c.name"};

const sql::statement peek_provider{"queue_peek_provider",
                                   provider_select + " WHERE c.name = $1"};

const sql::statement lock_provider{
    "queue_lock_provider", provider_select + " WHERE c.name = $1 FOR UPDATE"};

/// A claim or the reaper never waits for a provider row another
/// transaction holds: it skips it (this claim, this pass).
const sql::statement try_lock_provider{
    "queue_try_lock_provider",
    provider_select + " WHERE c.name = $1 FOR UPDATE SKIP LOCKED"};

const sql::statement try_lock_all_providers{
    "queue_try_lock_all_providers",
    provider_select + " ORDER BY c.name FOR UPDATE OF h SKIP LOCKED"};

const sql::statement save_health{"queue_save_provider_health", R"(
UPDATE provider_health SET state = $2::jsonb, updated_at = now()
WHERE name = $1)"};

const sql::statement save_settings{"queue_save_provider_config", R"(
UPDATE provider_config SET enabled = $2, priority = $3, timeout_s = $4,
  retries = $5, retry_delay_s = $6, max_concurrent = $7,
  bandwidth_limit_bps = $8, max_connections = $9, updated_at = now()
WHERE name = $1)"};

const sql::statement set_failover{"queue_set_provider_failover", R"(
UPDATE provider_config SET in_failover = $2, updated_at = now()
WHERE name = $1)"};

/// One provider row as read.
struct provider_row {
  contracts::provider_settings settings;
  bool in_failover = true;
  health::provider_health health;
  int64_t now_ms = 0;
};

provider_row read_row(const pqxx::row& r) {
  provider_row out;
  auto& s = out.settings;
  s.name = r["name"].as<std::string>();
  s.enabled = r["enabled"].as<bool>();
  s.priority = r["priority"].as<int64_t>();
  s.timeout_s = r["timeout_s"].as<int64_t>();
  s.retries = r["retries"].as<int64_t>();
  s.retry_delay_s = r["retry_delay_s"].as<int64_t>();
  s.max_concurrent = r["max_concurrent"].as<int64_t>();
  s.bandwidth_limit_bps = r["bandwidth_limit_bps"].as<int64_t>();
  s.max_connections = r["max_connections"].as<int64_t>();
  out.in_failover = r["in_failover"].as<bool>();
  out.now_ms = r["now_ms"].as<int64_t>();
  auto state = json::parse(r["state"].as<std::string>(), nullptr, false);
  auto h = health::provider_health::from_state(s.name, state);
  out.health = h ? *h : health::provider_health{s.name};
  return out;
}

std::vector<provider_row> read_all(pqxx::work& w) {
  std::vector<provider_row> out;
  for (const auto& r : exec(w, all_providers))
    out.push_back(read_row(r));
  return out;
}

std::optional<provider_row> read_one(pqxx::work& w, const sql::statement& s,
                                     const std::string& name) {
  auto rows = exec(w, s, name);
  if (rows.empty())
    return std::nullopt;
  return read_row(rows[0]);
}

/// Stores `row`'s health and notes a breaker move for after the commit.
void keep_health(pqxx::work& w, const provider_row& row,
                 std::optional<health::breaker_state> moved, effects& fx) {
  exec(w, save_health, row.settings.name, row.health.to_state().dump());
  fx.breaker_gauges[row.settings.name] =
      health::gauge_value(row.health.state());
  if (moved)
    fx.breakers.push_back({row.settings.name, health::to_string(*moved)});
}

json health_json(const provider_row& row, const store_options& o) {
  auto out = row.health.to_json(row.now_ms, o.breaker);
  out["enabled"] = row.settings.enabled;
  out["priority"] = row.settings.priority;
  out["available"] = row.settings.enabled && out["available"].get<bool>();
  return out;
}

std::vector<health::candidate>
candidates(const std::vector<provider_row>& all) {
  std::vector<health::candidate> out;
  out.reserve(all.size());
  for (const auto& r : all)
    out.push_back({r.settings.name, r.settings.enabled,
                   static_cast<int>(r.settings.priority), &r.health});
  return out;
}

json config_json(const std::vector<provider_row>& all) {
  std::vector<contracts::provider_settings> settings;
  settings.reserve(all.size());
  for (const auto& r : all)
    settings.push_back(r.settings);
  return contracts::to_json(settings);
}

json failover_json(const std::vector<provider_row>& all,
                   const store_options& o) {
  auto chain = json::array();
  auto providers = json::array();
  for (const auto& r : all) {
    if (r.in_failover)
      chain.push_back(r.settings.name);
    providers.push_back(
        {{"name", r.settings.name},
         {"priority", r.settings.priority},
         {"enabled", r.settings.enabled},
         {"in_chain", r.in_failover},
         {"available",
          r.settings.enabled && r.health.available(r.now_ms, o.breaker)},
         {"breaker", health::to_string(r.health.state())}});
  }
  return {{"chain", std::move(chain)}, {"providers", std::move(providers)}};
}

checked no_provider(const std::string& name) {
  return refuse(errc::not_found, "no provider " + name);
}

checked answer(json reply) {
  checked c;
  c.out.reply = std::move(reply);
  return c;
}

/// config_set, enable, disable: the changed settings, published after the
/// commit.
checked change_settings(pqxx::work& w, const provider_command& c) {
  auto row = read_one(w, lock_provider, c.name);
  if (!row)
    return no_provider(c.name);
  auto update = c.update;
  if (c.op == provider_op::enable || c.op == provider_op::disable)
    update.enabled = c.op == provider_op::enable;
  auto s = update.applied_to(row->settings);
  exec(w, save_settings, s.name, s.enabled, s.priority, s.timeout_s, s.retries,
       s.retry_delay_s, s.max_concurrent, s.bandwidth_limit_bps,
       s.max_connections);
  add_event(w, "", "provider_config_changed", "user", "", "",
            contracts::to_json(s));
  auto out = answer(contracts::to_json(s));
  out.out.fx.provider_config = config_json(read_all(w));
  return out;
}

checked change_chain(pqxx::work& w, const store_options& o,
                     const provider_command& c) {
  auto row = read_one(w, lock_provider, c.name);
  if (!row)
    return no_provider(c.name);
  exec(w, set_failover, c.name, c.op == provider_op::failover_add);
  return answer(failover_json(read_all(w), o));
}

checked reset_health(pqxx::work& w, const store_options& o,
                     const provider_command& c) {
  auto row = read_one(w, lock_provider, c.name);
  if (!row)
    return no_provider(c.name);
  auto moved = row->health.reset();
  checked out;
  keep_health(w, *row, moved, out.out.fx);
  add_event(w, "", "provider_health_reset", "user", "", "",
            {{"provider", c.name}});
  out.out.reply = health_json(*row, o);
  return out;
}

checked read_view(pqxx::work& w, const store_options& o,
                  const provider_command& c) {
  auto all = read_all(w);
  auto now = all.empty() ? 0 : all.front().now_ms;
  auto find = [&]() -> const provider_row* {
    for (const auto& r : all)
      if (r.settings.name == c.name)
        return &r;
    return nullptr;
  };
  switch (c.op) {
  case provider_op::health: {
    auto list = json::array();
    for (const auto& r : all)
      list.push_back(health_json(r, o));
    return answer({{"providers", std::move(list)}});
  }
  case provider_op::available:
    return answer({{"providers", health::available_providers(candidates(all),
                                                             now, o.breaker)}});
  case provider_op::best: {
    auto ranked = candidates(all);
    auto best = health::best_provider(ranked, now, o.breaker);
    for (const auto& r : all)
      if (best && r.settings.name == *best)
        return answer({{"provider", health_json(r, o)}});
    return answer(
        {{"provider", nullptr}, {"reason", health::no_best_reason(ranked)}});
  }
  case provider_op::config:
    return answer(config_json(all));
  case provider_op::failover:
    return answer(failover_json(all, o));
  default:
    break;
  }
  const auto* row = find();
  if (!row)
    return no_provider(c.name);
  if (c.op == provider_op::config_get)
    return answer(contracts::to_json(row->settings));
  return answer(health_json(*row, o));
}

} // namespace

checked run(pqxx::work& w, const store_options& o, const provider_command& c) {
  switch (c.op) {
  case provider_op::config_set:
  case provider_op::enable:
  case provider_op::disable:
    return change_settings(w, c);
  case provider_op::failover_add:
  case provider_op::failover_remove:
    return change_chain(w, o, c);
  case provider_op::health_reset:
    return reset_health(w, o, c);
  default:
    return read_view(w, o, c);
  }
}

void record_source_outcome(pqxx::work& w, const store_options& o,
                           const wire::source_outcome& so, effects& fx) {
  auto row = read_one(w, lock_provider, so.provider);
  if (!row)
    return; // a provider the queue does not know: nothing to count
  auto moved = row->health.record({so.ok, so.response_ms, so.bytes, so.error},
                                  row->now_ms, o.breaker);
  keep_health(w, *row, moved, fx);
  fx.samples.push_back({so.provider, so.ok, so.response_ms, so.bytes});
}

void refresh_breakers(pqxx::work& w, const store_options& o, effects& fx) {
  for (const auto& r : exec(w, try_lock_all_providers)) {
    auto row = read_row(r);
    auto moved = row.health.refresh(row.now_ms, o.breaker);
    if (moved)
      keep_health(w, row, moved, fx);
    fx.breaker_gauges[row.settings.name] =
        health::gauge_value(row.health.state());
  }
}

namespace {

/// Whether a request may go to a provider now.
enum class gate : uint8_t {
  open,    ///< yes (a half-open provider's probe was taken for it)
  refused, ///< disabled, unknown, or out of the failover chain
  breaker, ///< its breaker is open or its half-open probe is taken
};

/// Whether a request may go to `name` now; a half-open provider hands out
/// its one probe (stored at once, so other claims see it taken).
gate take_provider(pqxx::work& w, const store_options& o,
                   const std::string& name, bool fallback, effects& fx) {
  auto seen = read_one(w, peek_provider, name);
  if (!seen || !seen->settings.enabled || (fallback && !seen->in_failover))
    return gate::refused;
  if (seen->health.state() == health::breaker_state::closed)
    return gate::open;
  if (!seen->health.available(seen->now_ms, o.breaker))
    return gate::breaker;
  // Half-open (or due to be): take the probe under the row lock.
  auto row = read_one(w, try_lock_provider, name);
  if (!row)
    return gate::breaker; // another claim is taking it right now
  auto moved = row->health.refresh(row->now_ms, o.breaker);
  if (!row->health.try_acquire(row->now_ms, o.breaker)) {
    if (moved)
      keep_health(w, *row, moved, fx);
    return gate::breaker;
  }
  keep_health(w, *row, moved, fx);
  return gate::open;
}

const sql::statement hold_item{"queue_hold_for_breaker", R"(
UPDATE queue_items SET status = 'pending', owner = '', lease_expires = NULL,
  attempts = greatest(attempts - 1, 0),
  not_before = now() + $2::double precision * interval '1 millisecond',
  updated_at = now()
WHERE id = $1::uuid)"};

/// Moves `item` from the source it is at to source `to`.
queue_item move_to_source(pqxx::work& w, const queue_item& item, int to,
                          effects& fx) {
  auto rows = exec(w, sql::use_source, item.id, to);
  if (rows.empty())
    return item;
  auto moved = read_item(rows[0]);
  add_event(w, item.id, "source_skipped", "queue", item.lease_token, item.owner,
            {{"from_index", item.source_index},
             {"to_index", to},
             {"skipped_provider", item.provider}});
  fx.journal.push_back({"source_skipped",
                        item.id,
                        item.lease_token,
                        {{"from_index", item.source_index}, {"to_index", to}}});
  return moved;
}

} // namespace

std::optional<queue_item> pick_source(pqxx::work& w, const store_options& o,
                                      const queue_item& item, effects& fx) {
  if (item.source_url.empty())
    return item; // a bare reference: its sources are not known yet
  auto count = std::max(static_cast<int>(item.sources.size()), 1);
  bool breaker_blocked = false;
  for (int i = item.source_index; i < count; ++i) {
    const auto& provider =
        item.sources.empty() ? item.provider : item.sources[i].provider;
    auto g = take_provider(w, o, provider, i > 0, fx);
    breaker_blocked = breaker_blocked || g == gate::breaker;
    if (g != gate::open)
      continue;
    return i == item.source_index ? item : move_to_source(w, item, i, fx);
  }
  if (!breaker_blocked)
    return item; // only disabled providers: the current one is tried anyway
  // Every usable provider waits for its breaker: a request now would be
  // one probe too many. Back to pending, claimed again shortly.
  exec(w, hold_item, item.id, o.breaker_hold_ms);
  add_event(w, item.id, "held_for_breaker", "queue", item.lease_token,
            item.owner, {{"provider", item.provider}});
  fx.journal.push_back({"held_for_breaker",
                        item.id,
                        item.lease_token,
                        {{"provider", item.provider}}});
  return std::nullopt;
}

} // namespace kumo::queue::detail
