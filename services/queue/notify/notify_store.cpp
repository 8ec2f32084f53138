#include "notify_store.hpp"

#include "kumo/log.hpp"

#include <algorithm>
#include <regex>

namespace kumo::queue::notify {

namespace {

using json = nlohmann::json;

const char* iso_created =
    R"(to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))";

const std::string target_cols =
    "t.id::text AS id, t.name, t.kind, t.url, t.secret, t.section, "
    "array_to_json(t.events)::text AS events, t.enabled";

const std::string sql_enqueue = R"(
INSERT INTO notify_deliveries (target_id, event, event_key, payload)
SELECT id, $1, coalesce(nullif($3, ''), gen_random_uuid()::text), $2::jsonb
FROM notify_targets
WHERE enabled AND (cardinality(events) = 0 OR $1 = ANY(events))
ON CONFLICT (target_id, event_key) DO NOTHING)";

const std::string sql_list =
    "SELECT " + target_cols + " FROM notify_targets t ORDER BY created_at, id";

const std::string sql_get =
    "SELECT " + target_cols + " FROM notify_targets t WHERE id = $1::uuid";

const std::string sql_insert = R"(
INSERT INTO notify_targets AS t (name, kind, url, secret, section, events, enabled)
VALUES ($1, $2, $3, $4, $5,
        ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7)
RETURNING )" + target_cols;

const std::string sql_update = R"(
UPDATE notify_targets AS t SET name = $2, kind = $3, url = $4, secret = $5,
  section = $6, events = ARRAY(SELECT jsonb_array_elements_text($7::jsonb)),
  enabled = $8, updated_at = now()
WHERE id = $1::uuid
RETURNING )" + target_cols;

const std::string sql_delete =
    "DELETE FROM notify_targets WHERE id = $1::uuid RETURNING id";

const std::string sql_test = R"(
INSERT INTO notify_deliveries (target_id, event, event_key, payload)
VALUES ($1::uuid, 'test', gen_random_uuid()::text,
        '{"message": "test notification from Kumo"}')
RETURNING id::text)";

const std::string sql_deliveries = std::string{R"(
SELECT d.id::text AS id, d.event, d.status, d.attempts, d.last_error,
       d.response_code, d.payload::text AS payload, )"} +
                                   iso_created + R"( AS created_at,
       to_char(d.finished_at AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at,
       CASE WHEN d.status = 'pending' THEN
         to_char(d.not_before AT TIME ZONE 'UTC',
                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS next_attempt_at
FROM notify_deliveries d WHERE d.target_id = $1::uuid
ORDER BY d.created_at DESC, d.id LIMIT $2)";

const std::string sql_claim = std::string{R"(
WITH pick AS (
  SELECT d.id FROM notify_deliveries d
  JOIN notify_targets t ON t.id = d.target_id
  WHERE ((d.status = 'pending' AND d.not_before <= now())
         OR (d.status = 'sending' AND d.lease_expires < now()))
    AND (t.enabled OR d.event = 'test')
  ORDER BY d.not_before, d.created_at
  LIMIT $1
  FOR UPDATE OF d SKIP LOCKED
)
UPDATE notify_deliveries d SET status = 'sending',
  lease_token = gen_random_uuid(),
  lease_expires = now() + $2::double precision * interval '1 millisecond',
  attempts = d.attempts + 1, updated_at = now()
FROM pick, notify_targets t
WHERE d.id = pick.id AND t.id = d.target_id
RETURNING d.id::text AS delivery_id, d.event, d.payload::text AS payload,
  d.attempts, d.lease_token::text AS lease_token, )"} +
                              iso_created + R"( AS created_at,
  (extract(epoch FROM now() - d.created_at) * 1000)::bigint AS age_ms,
  extract(epoch FROM now())::bigint AS unix_now, )" +
                              target_cols;

const std::string sql_finish = R"(
UPDATE notify_deliveries SET status = $3, last_error = $4,
  response_code = nullif($5::integer, 0),
  not_before = now() + $6::double precision * interval '1 millisecond',
  lease_token = NULL, lease_expires = NULL,
  finished_at = CASE WHEN $3 IN ('delivered', 'failed') THEN now() END,
  updated_at = now()
WHERE id = $1::uuid AND lease_token = $2::uuid)";

const std::regex uuid_pattern{"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-["
                              "0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"};

json error_json(const std::string& code, const std::string& message,
                const std::string& field = {}) {
  json e = {{"code", code}, {"message", message}};
  if (!field.empty())
    e["field"] = field;
  return {{"error", e}};
}

json error_json(const failure& why) {
  return error_json(to_string(why.code), why.message, why.field);
}

target read_target(const pqxx::row& row) {
  target t;
  t.id = row["id"].as<std::string>();
  t.name = row["name"].as<std::string>();
  t.kind = row["kind"].as<std::string>();
  t.url = row["url"].as<std::string>();
  t.secret = row["secret"].as<std::string>();
  t.section = row["section"].as<std::string>();
  t.events = json::parse(row["events"].as<std::string>())
                 .get<std::vector<std::string>>();
  t.enabled = row["enabled"].as<bool>();
  return t;
}

json delivery_json(const pqxx::row& row) {
  json j = {{"id", row["id"].as<std::string>()},
            {"event", row["event"].as<std::string>()},
            {"status", row["status"].as<std::string>()},
            {"attempts", row["attempts"].as<int>()},
            {"last_error", row["last_error"].as<std::string>()},
            {"created_at", row["created_at"].as<std::string>()},
            {"payload", json::parse(row["payload"].as<std::string>())}};
  j["response_code"] = row["response_code"].is_null()
                           ? json(nullptr)
                           : json(row["response_code"].as<int>());
  for (const char* name : {"finished_at", "next_attempt_at"})
    j[name] =
        row[name].is_null() ? json(nullptr) : json(row[name].as<std::string>());
  return j;
}

template <class... Args>
pqxx::result exec(pqxx::work& w, const char* name, const std::string& text,
                  Args&&... args) {
  w.conn().prepare(name, text);
  return w.exec_prepared(name, std::forward<Args>(args)...);
}

result<std::string> read_id(const json& body) {
  auto it = body.find("id");
  if (it == body.end() || !it->is_string() ||
      !std::regex_match(it->get<std::string>(), uuid_pattern))
    return invalid("id must be a UUID", "id");
  auto id = it->get<std::string>();
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return id;
}

json not_found(const std::string& id) {
  return error_json("not_found", "no webhook " + id);
}

} // namespace

void enqueue(pqxx::work& w, const std::string& event, const json& payload,
             const std::string& key) {
  exec(w, "notify_enqueue", sql_enqueue, event,
       payload.dump(-1, ' ', false, json::error_handler_t::replace), key);
}

notify_store::notify_store(std::string database_url, address_policy policy,
                           retry_rules rules)
    : db_(std::move(database_url)), policy_(std::move(policy)), rules_(rules) {
  // nop
}

json notify_store::handle(const std::string& op, const json& body) {
  auto out = db_.transact([&](pqxx::work& w) { return run(op, w, body); });
  if (!out) {
    log::warn("notification store failed",
              {{"op", op}, {"error", message_of(out.error())}});
    return error_json("unavailable", "database unavailable");
  }
  return *out;
}

json notify_store::run(const std::string& op, pqxx::work& w, const json& body) {
  if (op == "list") {
    json list = json::array();
    for (const auto& row : exec(w, "notify_list", sql_list))
      list.push_back(to_public_json(read_target(row)));
    return {{"webhooks", list}};
  }
  if (op == "create") {
    auto t = merge_target(target{}, body, true, policy_);
    if (!t)
      return error_json(t.error());
    auto rows = exec(w, "notify_insert", sql_insert, t->name, t->kind, t->url,
                     t->secret, t->section, json(t->events).dump(), t->enabled);
    return to_public_json(read_target(rows[0]));
  }
  auto id = read_id(body);
  if (!id)
    return error_json(id.error());
  auto found = exec(w, "notify_get", sql_get, *id);
  if (found.empty())
    return not_found(*id);
  if (op == "update") {
    auto t = merge_target(read_target(found[0]), body.value("target", json()),
                          false, policy_);
    if (!t)
      return error_json(t.error());
    auto rows =
        exec(w, "notify_update", sql_update, *id, t->name, t->kind, t->url,
             t->secret, t->section, json(t->events).dump(), t->enabled);
    return to_public_json(read_target(rows[0]));
  }
  if (op == "delete") {
    exec(w, "notify_delete", sql_delete, *id);
    return {{"ok", true}, {"id", *id}};
  }
  if (op == "test") {
    auto rows = exec(w, "notify_test", sql_test, *id);
    return {{"delivery", rows[0][0].as<std::string>()}};
  }
  if (op == "deliveries") {
    int64_t limit = 50;
    if (auto it = body.find("limit"); it != body.end()) {
      if (!it->is_number_integer() || *it < 1 || *it > 200)
        return error_json("invalid_argument",
                          "limit must be an integer in 1..200", "limit");
      limit = it->get<int64_t>();
    }
    json list = json::array();
    for (const auto& row :
         exec(w, "notify_deliveries", sql_deliveries, *id, limit))
      list.push_back(delivery_json(row));
    return {{"deliveries", list}};
  }
  return error_json("invalid_argument", "unknown operation " + op);
}

bool notify_store::record(const std::string& event, const json& payload,
                          const std::string& key) {
  auto out = db_.transact([&](pqxx::work& w) {
    enqueue(w, event, payload, key);
    return true;
  });
  if (!out)
    log::warn("cannot record a notification event",
              {{"event", event}, {"error", message_of(out.error())}});
  return static_cast<bool>(out);
}

std::vector<claimed> notify_store::claim(int limit, int64_t lease_ms) {
  auto out = db_.transact([&](pqxx::work& w) {
    std::vector<claimed> list;
    for (const auto& row : exec(w, "notify_claim", sql_claim, limit,
                                static_cast<double>(lease_ms))) {
      claimed c;
      c.what.id = row["delivery_id"].as<std::string>();
      c.what.event = row["event"].as<std::string>();
      c.what.payload = json::parse(row["payload"].as<std::string>());
      c.what.created_at = row["created_at"].as<std::string>();
      c.what.attempts = row["attempts"].as<int>();
      c.what.age_ms = row["age_ms"].as<int64_t>();
      c.to = read_target(row);
      c.lease_token = row["lease_token"].as<std::string>();
      c.unix_now = row["unix_now"].as<int64_t>();
      list.push_back(std::move(c));
    }
    return list;
  });
  if (!out)
    return {};
  return std::move(*out);
}

void notify_store::finish(const claimed& c, const attempt_result& r) {
  std::string status = "delivered";
  int64_t delay = 0;
  if (!r.error.empty()) {
    bool last = gives_up(c.what.attempts, c.what.age_ms, rules_);
    status = last ? "failed" : "pending";
    delay = last ? 0 : retry_delay_ms(c.what.attempts, rules_);
  }
  auto out = db_.transact([&](pqxx::work& w) {
    exec(w, "notify_finish", sql_finish, c.what.id, c.lease_token, status,
         r.error, static_cast<int>(r.status), static_cast<double>(delay));
    return true;
  });
  if (!out)
    log::warn("cannot record a delivery attempt (it is sent again when its "
              "lease ends)",
              {{"delivery", c.what.id}, {"error", message_of(out.error())}});
}

} // namespace kumo::queue::notify
