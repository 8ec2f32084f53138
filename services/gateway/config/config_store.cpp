#include "config/config_store.hpp"

#include "config/config_schema.hpp"
#include "kumo/errors.hpp"
#include "kumo/store.hpp"
#include "store_ask.hpp"

#include <caf/all.hpp>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;

namespace sql {

/// Serializes changes of the document (any constant unique to it).
constexpr const char* lock = "SELECT pg_advisory_xact_lock(7244110001)";

constexpr const char* current =
    "SELECT document::text FROM gateway_config WHERE id = 1";

constexpr const char* backup = R"(
WITH n AS (SELECT nextval(pg_get_serial_sequence('gateway_config_backups', 'id')) AS id)
INSERT INTO gateway_config_backups (id, name, document)
SELECT id, 'config-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD-HH24MISS') || '-' || id,
       $1::jsonb FROM n
RETURNING name)";

constexpr const char* trim = R"(
DELETE FROM gateway_config_backups WHERE id NOT IN
  (SELECT id FROM gateway_config_backups ORDER BY id DESC LIMIT $1))";

constexpr const char* save = R"(
INSERT INTO gateway_config (id, document) VALUES (1, $1::jsonb)
ON CONFLICT (id) DO UPDATE SET document = excluded.document, updated_at = now())";

constexpr const char* list = R"(
SELECT coalesce(json_agg(json_build_object('name', name, 'created_at',
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
  ORDER BY id DESC), '[]')::text FROM gateway_config_backups)";

constexpr const char* find =
    "SELECT document::text FROM gateway_config_backups WHERE name = $1";

} // namespace sql

struct config_store_state {
  static inline const char* name = "kumo.gateway.config_store";
  std::unique_ptr<pg_session> db;
  int64_t keep = 20;
};

/// The fields someone set ("{}" before the first change).
json stored_document(pqxx::work& w) {
  auto rows = w.exec(sql::current);
  auto doc = rows.empty()
                 ? json::object()
                 : json::parse(rows[0][0].as<std::string>(), nullptr, false);
  return merge_config(doc.is_discarded() ? json::object() : doc,
                      json::object());
}

/// Backs the current document up, stores `next` and answers
/// {"document": next, "backup": name} as JSON text.
std::string replace_document(pqxx::work& w, const json& next, int64_t keep) {
  auto old = stored_document(w);
  auto name = w.exec_params1(sql::backup, old.dump())[0].as<std::string>();
  w.exec_params(sql::trim, keep);
  w.exec_params(sql::save, next.dump());
  return json{{"document", next}, {"backup", name}}.dump();
}

template <class T>
caf::result<T> answer(caf::expected<T> r) {
  if (!r)
    return r.error();
  return std::move(*r);
}

config_store_actor::behavior_type
config_store(config_store_actor::stateful_pointer<config_store_state> self,
             std::string url, int64_t keep) {
  self->state.db = std::make_unique<pg_session>(std::move(url));
  self->state.keep = keep;
  auto& db = *self->state.db;
  return {
      [&db](config_get_atom) -> caf::result<std::string> {
        return answer(db.transact(
            [](pqxx::work& w) { return stored_document(w).dump(); }));
      },
      [self, &db](config_put_atom,
                  const std::string& patch) -> caf::result<std::string> {
        auto doc = json::parse(patch, nullptr, false);
        if (doc.is_discarded() || !validate_config(doc).empty())
          return make_error(errc::invalid_argument, "invalid configuration");
        return answer(db.transact([&](pqxx::work& w) {
          w.exec(sql::lock);
          auto next = merge_config(stored_document(w), doc);
          return replace_document(w, next, self->state.keep);
        }));
      },
      [&db](config_backups_atom) -> caf::result<std::string> {
        return answer(db.transact([](pqxx::work& w) {
          return w.exec1(sql::list)[0].as<std::string>();
        }));
      },
      [self, &db](config_restore_atom,
                  const std::string& name) -> caf::result<std::string> {
        auto r = db.transact([&](pqxx::work& w) {
          w.exec(sql::lock);
          auto rows = w.exec_params(sql::find, name);
          if (rows.empty())
            return std::string{};
          auto saved =
              json::parse(rows[0][0].as<std::string>(), nullptr, false);
          // Every field explicit: what was shown then is what runs now.
          auto next =
              with_fallbacks(saved.is_discarded() ? json::object() : saved);
          return replace_document(w, next, self->state.keep);
        });
        if (r && r->empty())
          return make_error(errc::not_found, "no backup " + name);
        return answer(std::move(r));
      },
  };
}

constexpr const char* no_answer = "config store did not answer";

caf::expected<config_change> change_of(caf::expected<std::string> text) {
  if (!text)
    return text.error();
  auto doc = json::parse(*text);
  return config_change{doc["document"], doc["backup"].get<std::string>()};
}

} // namespace

config_store_actor spawn_config_store(caf::actor_system& sys,
                                      std::string database_url,
                                      int64_t keep_backups) {
  return sys.spawn<caf::detached>(config_store, std::move(database_url),
                                  keep_backups);
}

config_client::config_client(caf::actor_system& sys, config_store_actor store,
                             caf::timespan deadline)
    : sys_(sys), store_(std::move(store)), deadline_(deadline) {
  // nop
}

caf::expected<json> config_client::get() const {
  auto text = ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                     config_get_atom::value);
  if (!text)
    return text.error();
  return json::parse(*text);
}

caf::expected<config_change> config_client::put(const json& patch) const {
  return change_of(ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                          config_put_atom::value,
                                          patch.dump()));
}

caf::expected<json> config_client::backups() const {
  auto text = ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                     config_backups_atom::value);
  if (!text)
    return text.error();
  return json::parse(*text);
}

caf::expected<config_change>
config_client::restore(const std::string& name) const {
  return change_of(ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                          config_restore_atom::value, name));
}

bool is_backup_name(const std::string& name) {
  return name.size() > 7 && name.size() <= 64 &&
         name.compare(0, 7, "config-") == 0 &&
         name.find_first_not_of("0123456789-", 7) == std::string::npos;
}

} // namespace kumo::gateway
