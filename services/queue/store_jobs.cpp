// The worker side of the store (claim, heartbeat, report) and the reaper.

#include "notify/notify_events.hpp"
#include "notify/notify_store.hpp"
#include "store_storage.hpp"
#include "store_tx.hpp"
#include "transitions.hpp"

namespace kumo::queue::detail {

wire::job make_job(const queue_item& item, const store_options& o) {
  wire::job j;
  j.id = item.id;
  j.lease_token = item.lease_token;
  j.lease_ms = o.lease_ms;
  j.serie_id = item.serie_id;
  j.serie_folder = item.serie_folder;
  j.serie_name = item.serie_name;
  j.season = item.season;
  j.episode = item.episode;
  j.src = {item.provider, item.source_url, item.source_sha256,
           item.source_size};
  j.target_path = item.target_path;
  j.bytes_done = item.bytes_done;
  j.bytes_total = item.bytes_total;
  j.validator = item.validator;
  j.attempt = item.attempts;
  j.rate_limit_bps =
      o.live ? o.live->job_rate_limit_bps() : o.job_rate_limit_bps;
  return j;
}

namespace {

report_facts read_facts(pqxx::work& w, const wire::report& r) {
  report_facts f;
  auto rows = exec(w, sql::report_facts, r.id, r.lease_token);
  if (rows.empty())
    return f;
  f.exists = true;
  f.status = parse_status(rows[0]["status"].as<std::string>())
                 .value_or(item_status::pending);
  f.token_matches = rows[0]["token_matches"].as<bool>();
  f.retries = rows[0]["retries"].as<int>();
  f.provider = rows[0]["provider"].as<std::string>();
  f.lease_closed = rows[0]["lease_closed"].as<bool>();
  f.source_index = rows[0]["source_index"].as<int>();
  f.source_count = rows[0]["source_count"].as<int>();
  return f;
}

nlohmann::json report_detail(const wire::report& r, const report_plan& plan) {
  nlohmann::json d = {{"bytes_done", r.bytes_done}};
  if (!r.error.empty())
    d["error"] = r.error;
  if (plan.retry_delay_ms >= 0)
    d["retry_delay_ms"] = plan.retry_delay_ms;
  if (plan.failover_delay_ms >= 0)
    d["failover_delay_ms"] = plan.failover_delay_ms;
  if (r.source_outcome)
    d["source_outcome"] = *r.source_outcome;
  if (!r.sha256.empty())
    d["sha256"] = r.sha256;
  return d;
}

/// The log line of an applied report.
job_note report_note(const wire::report& r, const report_plan& plan) {
  auto detail = report_detail(r, plan);
  detail["outcome"] = r.outcome;
  detail["status"] = to_string(plan.next);
  detail["worker"] = r.worker;
  return {"reported", r.id, r.lease_token, std::move(detail)};
}

/// Notification deliveries of an applied report, written in its
/// transaction; a report that pauses for a full disk also marks the item.
void notify_report(pqxx::work& w, queue_item& item, const wire::report& r,
                   const report_plan& plan) {
  if (plan.next == item_status::completed)
    notify::enqueue(w, "episode.imported",
                    notify::imported_payload(item, r.sha256));
  if (plan.next == item_status::failed)
    notify::enqueue(w, "download.failed",
                    notify::failed_payload(item, r.transient
                                                     ? "retries_exhausted"
                                                     : "permanent_error"));
  if (plan.next == item_status::paused && r.reason == "disk_full") {
    exec(w, sql::hold_for_disk, r.id);
    item.pause_reason = r.reason;
    notify::enqueue(w, "disk.guard_tripped",
                    notify::disk_payload(item, r.worker, r.error));
  }
}

/// The lifecycle event of an applied report, as published after commit.
void announce(const queue_item& item, const report_plan& plan, effects& fx) {
  switch (plan.next) {
  case item_status::pending:
    if (plan.failover_delay_ms >= 0) {
      fx.lifecycle.push_back(change(
          item, "pending",
          {{"reason", "failover"},
           {"source_index", item.source_index},
           {"retry_in_seconds", (plan.failover_delay_ms + 999) / 1000}}));
    } else if (plan.retry_delay_ms >= 0) {
      fx.retries_scheduled = 1;
      fx.lifecycle.push_back(
          change(item, "pending",
                 {{"reason", "retry"},
                  {"retry_in_seconds", (plan.retry_delay_ms + 999) / 1000},
                  {"retry", item.retries}}));
    } else {
      fx.lifecycle.push_back(change(item, "pending", {{"reason", "released"}}));
    }
    break;
  case item_status::downloading:
    break;
  default:
    if (!item.pause_reason.empty())
      fx.lifecycle.push_back(
          change(item, to_string(plan.next), {{"reason", item.pause_reason}}));
    else
      fx.lifecycle.push_back(change(item, to_string(plan.next)));
  }
}

checked apply_report(pqxx::work& w, const store_options& o,
                     const wire::report& r, const report_plan& plan) {
  checked out;
  auto& fx = out.out.fx;
  out.out.reply = {{"ok", true}, {"reason", ""}};
  if (plan.extend_lease) {
    exec(w, sql::extend_lease, r.id, o.lease_ms, r.bytes_done, r.bytes_total,
         r.validator);
    add_event(w, r.id, plan.event, "worker", r.lease_token, r.worker,
              report_detail(r, plan));
    fx.journal.push_back(report_note(r, plan));
    return out;
  }
  bool failed = plan.next == item_status::failed || plan.retry_delay_ms >= 0 ||
                plan.failover_delay_ms >= 0;
  auto delay =
      std::max({plan.retry_delay_ms, plan.failover_delay_ms, int64_t{0}});
  auto rows = exec(w, sql::finish_lease, r.id,
                   std::string{to_string(plan.next)}, r.bytes_done,
                   r.bytes_total, r.validator, failed ? r.error : std::string{},
                   delay, plan.retry_delay_ms >= 0 ? 1 : 0);
  auto item = read_item(rows[0]);
  if (plan.failover_delay_ms >= 0) { // the next source starts from byte 0
    fx.failovers.push_back(item.provider);
    item = read_item(exec(w, sql::use_source, r.id, item.source_index + 1)[0]);
  }
  if (r.source_outcome && (plan.next == item_status::completed || failed))
    record_source_outcome(w, o, *r.source_outcome, fx);
  notify_report(w, item, r, plan);
  add_event(w, r.id, plan.event, "worker", r.lease_token, r.worker,
            report_detail(r, plan));
  fx.journal.push_back(report_note(r, plan));
  if (plan.retry_delay_ms >= 0)
    fx.journal.push_back(
        {"retry_scheduled",
         r.id,
         r.lease_token,
         {{"retry_delay_ms", plan.retry_delay_ms}, {"retry", item.retries}}});
  if (plan.next == item_status::completed)
    exec(w, sql::drop_discard, r.id); // the partial became the final file
  if (plan.next == item_status::pending && plan.retry_delay_ms < 0)
    fx.claimable = claimable_count(w);
  announce(item, plan, fx);
  fx.queue_changed = true;
  return out;
}

void heartbeat_one(pqxx::work& w, const store_options& o,
                   const wire::lease_state& s, wire::heartbeat_reply& reply,
                   effects& fx) {
  auto row = exec(w, sql::heartbeat, s.id, s.lease_token, o.lease_ms,
                  s.bytes_done, s.bytes_total, s.speed_bps, s.validator)[0];
  if (row["extended"].as<int64_t>() > 0) {
    fx.journal.push_back({"heartbeat",
                          s.id,
                          s.lease_token,
                          {{"bytes_done", s.bytes_done}},
                          true});
    return;
  }
  // Gone for good: tell the worker to delete its partial file.
  auto status = row["status"].is_null() ? std::string{"cancelled"}
                                        : row["status"].as<std::string>();
  reply.lost.push_back({s.id, status});
  fx.journal.push_back(
      {"lease_lost", s.id, s.lease_token, {{"status", status}}});
}

} // namespace

checked run(pqxx::work& w, const store_options& o,
            const wire::claim_request& c) {
  if (c.disk_recovered)
    exec(w, sql::release_disk_holds);
  auto slots = storage_claim_slots(w, o.storage.get(), c.slots);
  auto room = lock_provider_room(w);
  auto items = read_items(
      exec(w, sql::claim, c.worker, slots, o.lease_ms, room.full_list()));
  wire::claim_reply reply;
  checked out;
  int handed = 0;
  for (auto& item : items) {
    auto picked = pick_source(w, o, item, out.out.fx);
    if (!picked)
      continue; // held for its providers' breakers
    if (!take_room(w, room, *picked))
      continue; // its provider has max_concurrent downloads already
    item = *picked;
    ++handed;
    reply.jobs.push_back(make_job(item, o));
    out.out.fx.journal.push_back({"claimed",
                                  item.id,
                                  item.lease_token,
                                  {{"worker", c.worker},
                                   {"attempt", item.attempts},
                                   {"offset", item.bytes_done}}});
  }
  out.out.reply = reply;
  out.out.fx.claimed_jobs = handed;
  out.out.fx.queue_changed = !items.empty();
  return out;
}

checked run(pqxx::work& w, const store_options& o, const wire::heartbeat& c) {
  wire::heartbeat_reply reply;
  reply.lease_ms = o.lease_ms;
  checked out;
  for (const auto& s : c.jobs)
    heartbeat_one(w, o, s, reply, out.out.fx);
  out.out.reply = reply;
  return out;
}

checked run(pqxx::work& w, const store_options& o, const wire::report& c) {
  auto facts = read_facts(w, c);
  auto policy = facts.exists && c.outcome == "failed"
                    ? retry_policy_for(w, o, facts.provider)
                    : retry_policy{};
  auto plan =
      plan_report(facts, c.outcome, c.transient, policy, o.failover_backoff_ms);
  switch (plan.verdict) {
  case report_verdict::stale: {
    checked out;
    out.out.reply = {{"ok", false}, {"reason", "stale_lease"}};
    out.out.fx.stale_report = true;
    out.out.fx.journal.push_back({"report_refused",
                                  c.id,
                                  c.lease_token,
                                  {{"outcome", c.outcome},
                                   {"reason", "stale_lease"},
                                   {"worker", c.worker}}});
    return out;
  }
  case report_verdict::acknowledge: {
    if (plan.record_offset)
      exec(w, sql::record_offset, c.id, c.bytes_done, c.bytes_total,
           c.validator);
    checked out;
    out.out.reply = {{"ok", true}, {"reason", ""}};
    out.out.fx.journal.push_back({"reported",
                                  c.id,
                                  c.lease_token,
                                  {{"outcome", c.outcome},
                                   {"bytes_done", c.bytes_done},
                                   {"acknowledged", true},
                                   {"worker", c.worker}}});
    return out;
  }
  case report_verdict::apply:
    break;
  }
  return apply_report(w, o, c, plan);
}

checked run_reap(pqxx::work& w, const store_options& o, std::string& last_due) {
  checked out;
  auto& fx = out.out.fx;
  auto expired =
      exec(w, sql::expire_leases, o.reap_batch, o.max_lease_expirations);
  for (const auto& row : expired) {
    auto item = read_item(row);
    ++fx.lease_expirations;
    fx.journal.push_back(
        {"lease_expired",
         item.id,
         item.lease_token,
         {{"status", to_string(item.status)}, {"worker", item.owner}}});
    if (item.status == item_status::failed) {
      ++fx.poisoned;
      notify::enqueue(w, "download.failed",
                      notify::failed_payload(item, "lease_expirations"));
      fx.lifecycle.push_back(
          change(item, "failed",
                 {{"reason", "lease_expirations"},
                  {"lease_expirations", row["lease_expirations"].as<int>()},
                  {"error", item.error}}));
    } else {
      fx.lifecycle.push_back(
          change(item, "pending", {{"reason", "lease_expired"}}));
    }
  }
  auto due = exec(w, sql::due, last_due)[0];
  bool open = !due["open"].is_null() && due["open"].as<bool>();
  fx.claimable = open ? due["claimable"].as<int64_t>() : 0;
  fx.newly_due = due["newly_due"].as<int64_t>();
  last_due = due["db_now"].as<std::string>();
  for (const auto& row : exec(w, sql::due_discards, o.discard_retry_ms, 50))
    fx.discards.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  if (o.event_retention_ms > 0)
    exec(w, sql::prune_events, o.event_retention_ms, 1000);
  refresh_breakers(w, o, fx);
  fx.counts = count_items(w);
  fx.flags = read_flags(w);
  fx.queue_changed = fx.lease_expirations > 0;
  return out;
}

} // namespace kumo::queue::detail
