#include "auth/key_store.hpp"

#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/store.hpp"
#include "store_ask.hpp"

#include <caf/all.hpp>

namespace kumo::gateway {

namespace {

namespace sql {

constexpr const char* record_columns = R"(
json_build_object('id', id, 'name', name, 'prefix', prefix,
  'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  'last_used_at', to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text)";

const std::string create = std::string{R"(
INSERT INTO gateway_api_keys (name, prefix, key_hash)
VALUES ($1, $2, decode($3, 'hex')) RETURNING )"} +
                           record_columns;

const std::string list =
    std::string{"SELECT coalesce(json_agg(r ORDER BY (r->>'id')::bigint), "
                "'[]')::text FROM (SELECT "} +
    record_columns + "::json AS r FROM gateway_api_keys) k";

constexpr const char* check =
    "SELECT EXISTS (SELECT 1 FROM gateway_api_keys WHERE key_hash = "
    "decode($1, 'hex'))";

constexpr const char* touch =
    "UPDATE gateway_api_keys SET last_used_at = now() WHERE key_hash = "
    "decode($1, 'hex')";

constexpr const char* revoke =
    "DELETE FROM gateway_api_keys WHERE id = $1 RETURNING encode(key_hash, "
    "'hex')";

} // namespace sql

struct key_store_state {
  static inline const char* name = "kumo.gateway.key_store";
  std::unique_ptr<pg_session> db;
};

bool is_hash(const std::string& hex) {
  return hex.size() == 64 &&
         hex.find_first_not_of("0123456789abcdef") == std::string::npos;
}

template <class T>
caf::result<T> answer(caf::expected<T> r) {
  if (!r)
    return r.error();
  return std::move(*r);
}

key_store_actor::behavior_type
key_store(key_store_actor::stateful_pointer<key_store_state> self,
          std::string url) {
  self->state.db = std::make_unique<pg_session>(std::move(url));
  auto& db = *self->state.db;
  return {
      [&db](create_key_atom, const std::string& name, const std::string& prefix,
            const std::string& hash) -> caf::result<std::string> {
        if (!is_hash(hash))
          return make_error(errc::invalid_argument, "bad key hash");
        return answer(db.transact([&](pqxx::work& w) {
          return w.exec_params1(sql::create, name, prefix, hash)[0]
              .as<std::string>();
        }));
      },
      [&db](list_keys_atom) -> caf::result<std::string> {
        return answer(db.transact([](pqxx::work& w) {
          return w.exec1(sql::list)[0].as<std::string>();
        }));
      },
      [&db](check_key_atom, const std::string& hash) -> caf::result<bool> {
        if (!is_hash(hash))
          return false;
        return answer(db.transact([&](pqxx::work& w) {
          return w.exec_params1(sql::check, hash)[0].as<bool>();
        }));
      },
      [&db](touch_key_atom, const std::string& hash) {
        if (!is_hash(hash))
          return;
        auto r = db.transact([&](pqxx::work& w) {
          return w.exec_params(sql::touch, hash).affected_rows();
        });
        if (!r)
          log::warn("cannot record an API key's use",
                    {{"error", message_of(r.error())}});
      },
      [&db](revoke_key_atom, int64_t id) -> caf::result<std::string> {
        return answer(db.transact([&](pqxx::work& w) {
          auto rows = w.exec_params(sql::revoke, id);
          return rows.empty() ? std::string{} : rows[0][0].as<std::string>();
        }));
      },
  };
}

} // namespace

key_store_actor spawn_key_store(caf::actor_system& sys,
                                std::string database_url) {
  return sys.spawn<caf::detached>(key_store, std::move(database_url));
}

key_client::key_client(caf::actor_system& sys, key_store_actor store,
                       caf::timespan deadline)
    : sys_(sys), store_(std::move(store)), deadline_(deadline) {
  // nop
}

namespace {
constexpr const char* no_answer = "key store did not answer";
}

caf::expected<std::string> key_client::create(const std::string& name,
                                              const std::string& prefix,
                                              const std::string& hash) const {
  return ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                create_key_atom::value, name, prefix, hash);
}

caf::expected<std::string> key_client::list() const {
  return ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                list_keys_atom::value);
}

caf::expected<bool> key_client::exists(const std::string& hash) const {
  return ask_store<bool>(sys_, store_, deadline_, no_answer,
                         check_key_atom::value, hash);
}

void key_client::touch(const std::string& hash) const {
  caf::anon_send(store_, touch_key_atom::value, hash);
}

caf::expected<std::string> key_client::revoke(int64_t id) const {
  return ask_store<std::string>(sys_, store_, deadline_, no_answer,
                                revoke_key_atom::value, id);
}

} // namespace kumo::gateway
