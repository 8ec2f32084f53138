#include "store.hpp"

#include "store_tx.hpp"
#include "transitions.hpp"

#include <set>

namespace kumo::queue {

namespace detail {

namespace {

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null())
    return std::nullopt;
  return f.as<std::string>();
}

/// The stored source list; entries that are not objects are skipped.
std::vector<wire::source> read_sources(const std::string& text) {
  std::vector<wire::source> out;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_array())
    return out;
  for (const auto& s : doc)
    if (s.is_object())
      out.push_back(s.get<wire::source>());
  return out;
}

checked answer(nlohmann::json reply) {
  checked c;
  c.out.reply = std::move(reply);
  return c;
}

/// Locks one item; nullopt when it does not exist.
std::optional<std::pair<queue_item, bool>> lock(pqxx::work& w,
                                                const std::string& id) {
  auto rows = exec(w, sql::lock_item, id);
  if (rows.empty())
    return std::nullopt;
  return std::make_pair(read_item(rows[0]),
                        rows[0]["paused_by_queue"].as<bool>());
}

checked missing(const std::string& id) {
  return refuse(errc::not_found, "no queue item " + id);
}

/// Switches that can make pending work claimable announce it.
void announce_claimable(pqxx::work& w, effects& fx) {
  fx.claimable = claimable_count(w);
}

} // namespace

queue_item read_item(const pqxx::row& row) {
  queue_item i;
  i.id = row["id"].as<std::string>();
  i.serie_id = row["serie_id"].as<std::string>();
  i.serie_folder = row["serie_folder"].as<std::string>();
  i.serie_name = row["serie_name"].as<std::string>();
  i.season = row["season"].as<int>();
  i.episode = row["episode"].as<int>();
  i.provider = row["provider"].as<std::string>();
  i.source_url = row["source_url"].as<std::string>();
  i.source_sha256 = row["source_sha256"].as<std::string>();
  i.source_size = row["source_size"].as<int64_t>();
  i.sources = read_sources(row["sources"].as<std::string>());
  i.source_index = row["source_index"].as<int>();
  i.target_path = row["target_path"].as<std::string>();
  i.status = parse_status(row["status"].as<std::string>())
                 .value_or(item_status::pending);
  i.prio = priority_from_rank(row["priority"].as<int>());
  i.bytes_done = row["bytes_done"].as<int64_t>();
  i.bytes_total = row["bytes_total"].as<int64_t>();
  i.speed_bps = row["speed_bps"].as<int64_t>();
  i.error = row["error"].as<std::string>();
  i.attempts = row["attempts"].as<int>();
  i.retries = row["retries"].as<int>();
  i.validator = row["validator"].as<std::string>();
  i.owner = row["owner"].as<std::string>();
  i.lease_token = row["lease_token"].as<std::string>();
  i.added_at = row["added_at"].as<std::string>();
  i.started_at = optional_text(row["started_at"]);
  i.completed_at = optional_text(row["completed_at"]);
  i.next_attempt_at = optional_text(row["next_attempt_at"]);
  i.pause_reason = row["pause_reason"].as<std::string>();
  i.series_provider = row["series_provider"].as<std::string>();
  return i;
}

std::vector<queue_item> read_items(const pqxx::result& rows) {
  std::vector<queue_item> out;
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back(read_item(row));
  return out;
}

void add_event(pqxx::work& w, const std::string& item, const std::string& event,
               const char* origin, const std::string& token,
               const std::string& worker, const nlohmann::json& detail) {
  exec(w, sql::add_event, item, event, std::string{origin}, token, worker,
       detail.dump());
}

int64_t claimable_count(pqxx::work& w) {
  return exec(w, sql::claimable)[0][0].as<int64_t>();
}

status_counts count_items(pqxx::work& w) {
  status_counts out;
  for (const auto& row : exec(w, sql::counts))
    out[row[0].as<std::string>()] = row[1].as<int64_t>();
  return complete_counts(std::move(out));
}

queue_flags read_flags(pqxx::work& w) {
  auto rows = exec(w, sql::flags);
  if (rows.empty())
    return {};
  return {rows[0]["running"].as<bool>(), rows[0]["paused"].as<bool>()};
}

void request_discard(pqxx::work& w, const queue_item& item, effects& fx) {
  exec(w, sql::add_discard, item.id, item.target_path);
  fx.discards.push_back({item.id, item.target_path});
}

lifecycle_change change(const queue_item& item, std::string status,
                        nlohmann::json metadata) {
  return {item, std::move(status), std::move(metadata)};
}

// -- commands -----------------------------------------------------------------

checked run(pqxx::work& w, const store_options&, const get_command& c) {
  auto rows = exec(w, sql::select_item, c.id);
  if (rows.empty())
    return missing(c.id);
  return answer(to_json(read_item(rows[0])));
}

checked run(pqxx::work& w, const store_options&, const remove_command& c) {
  auto found = lock(w, c.id);
  if (!found)
    return missing(c.id);
  const auto& item = found->first;
  checked out;
  auto& fx = out.out.fx;
  if (item.status == item_status::downloading)
    fx.controls.push_back({item.id, "cancel"});
  if (item.attempts > 0 && item.status != item_status::completed)
    request_discard(w, item, fx);
  exec(w, sql::delete_item, item.id);
  add_event(w, item.id, "removed", "user", item.lease_token, item.owner,
            {{"status", to_string(item.status)}});
  fx.journal.push_back({"removed",
                        item.id,
                        item.lease_token,
                        {{"status", to_string(item.status)}}});
  if (item.status == item_status::pending ||
      item.status == item_status::downloading ||
      item.status == item_status::paused) {
    auto gone = item;
    gone.status = item_status::cancelled;
    fx.lifecycle.push_back(change(gone, "cancelled", {{"removed", true}}));
  }
  fx.queue_changed = true;
  out.out.reply = {{"removed", true}};
  return out;
}

checked run(pqxx::work& w, const store_options&, const switch_command& c) {
  checked out;
  auto& fx = out.out.fx;
  pqxx::result state;
  const char* event = "started";
  switch (c.action) {
  case queue_switch::start:
    state = exec(w, sql::set_running, true);
    break;
  case queue_switch::stop:
    state = exec(w, sql::set_running, false);
    event = "stopped";
    break;
  case queue_switch::pause:
    // The state row first: its lock orders us after in-flight claims.
    state = exec(w, sql::set_paused, true);
    for (auto& item : read_items(exec(w, sql::pause_running))) {
      fx.controls.push_back({item.id, "pause"});
      fx.lifecycle.push_back(
          change(item, "paused", {{"reason", "queue_paused"}}));
      fx.journal.push_back(
          {"paused", item.id, item.lease_token, {{"reason", "queue_paused"}}});
    }
    event = "paused";
    break;
  case queue_switch::resume:
    state = exec(w, sql::set_paused, false);
    for (auto& item : read_items(exec(w, sql::resume_queue_paused)))
      fx.lifecycle.push_back(change(item, "pending", {{"reason", "resumed"}}));
    event = "resumed";
    break;
  }
  add_event(w, "", event, "user", "", "");
  queue_flags flags{state[0]["running"].as<bool>(),
                    state[0]["paused"].as<bool>()};
  out.out.reply = to_json(flags);
  fx.flags = flags;
  fx.queue_changed = true;
  announce_claimable(w, fx);
  return out;
}

checked run(pqxx::work& w, const store_options&, const item_command& c) {
  auto found = lock(w, c.id);
  if (!found)
    return missing(c.id);
  const auto& before = found->first;
  if (auto why = refuse_item_action(c.action, before.status))
    return refuse(errc::conflict, *why);
  auto next = status_after(c.action);
  auto rows = exec(w, sql::set_item_status, c.id, std::string{to_string(next)});
  auto item = read_item(rows[0]);
  checked out;
  auto& fx = out.out.fx;
  bool was_running = before.status == item_status::downloading;
  const char* event = c.action == item_action::pause    ? "paused"
                      : c.action == item_action::resume ? "resumed"
                                                        : "cancelled";
  add_event(w, item.id, event, "user", before.lease_token, before.owner,
            {{"from", to_string(before.status)}});
  fx.journal.push_back({event,
                        item.id,
                        before.lease_token,
                        {{"from", to_string(before.status)}}});
  if (was_running)
    fx.controls.push_back(
        {item.id, c.action == item_action::pause ? "pause" : "cancel"});
  if (c.action == item_action::cancel && before.attempts > 0)
    request_discard(w, item, fx);
  if (c.action == item_action::resume) {
    fx.lifecycle.push_back(change(item, "pending", {{"reason", "resumed"}}));
    announce_claimable(w, fx);
  } else {
    fx.lifecycle.push_back(change(item, to_string(next)));
  }
  fx.queue_changed = true;
  out.out.reply = to_json(item);
  return out;
}

checked run(pqxx::work& w, const store_options&, const priority_command& c) {
  auto found = lock(w, c.id);
  if (!found)
    return missing(c.id);
  const auto& before = found->first;
  if (auto why = refuse_priority_change(before.status))
    return refuse(errc::conflict, *why);
  auto rows = exec(w, sql::set_priority, c.id, static_cast<int>(c.prio));
  add_event(w, c.id, "priority_changed", "user", "", "",
            {{"from", to_string(before.prio)}, {"to", to_string(c.prio)}});
  checked out;
  out.out.reply = to_json(read_item(rows[0]));
  out.out.fx.queue_changed = true;
  return out;
}

checked run(pqxx::work& w, const store_options&, const retry_command& c) {
  std::string ids = "{";
  for (size_t i = 0; i < c.ids.size(); ++i)
    ids += (i ? "," : "") + c.ids[i];
  ids += "}";
  auto items = read_items(exec(w, sql::retry_failed, c.all, ids));
  checked out;
  auto& fx = out.out.fx;
  for (const auto& item : items) {
    fx.lifecycle.push_back(change(item, "pending", {{"reason", "retried"}}));
    fx.journal.push_back({"retried", item.id, item.lease_token});
  }
  out.out.reply = {{"retried", items.size()}};
  if (!items.empty()) {
    fx.queue_changed = true;
    announce_claimable(w, fx);
  }
  return out;
}

checked run(pqxx::work& w, const store_options&, const clear_command&) {
  auto removed = exec(w, sql::clear_completed)[0][0].as<int64_t>();
  checked out;
  if (removed > 0) {
    add_event(w, "", "cleared", "user", "", "", {{"removed", removed}});
    out.out.fx.queue_changed = true;
  }
  out.out.reply = {{"removed", removed}};
  return out;
}

checked run(pqxx::work& w, const store_options&, const snapshot_command&) {
  checked out;
  out.out.fx.counts = count_items(w);
  out.out.fx.flags = read_flags(w);
  return out;
}

checked run(pqxx::work& w, const store_options&,
            const discard_done_command& c) {
  auto dropped = exec(w, sql::drop_discard, c.id)[0][0].as<int64_t>();
  auto out = answer({{"ok", true}});
  if (dropped > 0) {
    add_event(w, c.id, "discarded", "worker", "", "");
    out.out.fx.journal.push_back({"discarded", c.id, ""});
  }
  return out;
}

} // namespace detail

struct queue_store::dispatcher {
  queue_store& store;
  pqxx::work& w;

  template <class T>
  detail::checked operator()(const T& cmd) const {
    return detail::run(w, store.opts_, cmd);
  }

  detail::checked operator()(const reap_command&) const {
    return detail::run_reap(w, store.opts_, store.last_due_check_);
  }
};

queue_store::queue_store(std::string database_url, store_options opts)
    : db_(std::move(database_url)), opts_(std::move(opts)) {
  // nop
}

caf::expected<outcome> queue_store::execute(const command& cmd) {
  auto last_due = last_due_check_;
  auto result = db_.transact([&](pqxx::work& w) {
    return std::visit(dispatcher{*this, w}, cmd);
  });
  if (!result) {
    last_due_check_ = last_due; // the pass did not commit
    return result.error();
  }
  if (result->refusal)
    return std::move(result->refusal);
  return std::move(result->out);
}

} // namespace kumo::queue
