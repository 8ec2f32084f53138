#include "kumo/store.hpp"

#include "kumo/log.hpp"

namespace kumo {

namespace {

/// Key of the advisory lock that serializes every migration run.
constexpr int64_t migration_lock_key = 0x6b756d6f6d6967; // "kumomig"

constexpr const char* create_ledger = R"(
CREATE TABLE IF NOT EXISTS kumo_schema_migrations (
  service    text        NOT NULL,
  version    integer     NOT NULL,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, version)
))";

} // namespace

pg_session::pg_session(std::string url) : url_(std::move(url)) {
  // nop
}

pg_session::~pg_session() = default;

pqxx::connection& pg_session::connection() {
  if (!conn_ || !conn_->is_open())
    conn_ = std::make_unique<pqxx::connection>(url_);
  return *conn_;
}

void pg_session::reset() {
  conn_.reset();
}

caf::error pg_session::run(const std::function<void(pqxx::work&)>& body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      pqxx::work w{connection()};
      body(w);
      w.commit();
      return {};
    } catch (const pqxx::broken_connection& e) {
      reset();
      if (attempt == 1)
        return make_error(errc::unavailable, e.what());
    } catch (const pqxx::in_doubt_error& e) {
      reset();
      return make_error(errc::unavailable, e.what());
    } catch (const pqxx::sql_error& e) {
      // A server restart surfaces as admin_shutdown (57P01) on the next use.
      const auto& state = e.sqlstate();
      if (state.rfind("57P", 0) == 0 || state.rfind("08", 0) == 0) {
        reset();
        if (attempt == 1)
          return make_error(errc::unavailable, e.what());
        continue;
      }
      return make_error(errc::internal, e.what());
    } catch (const std::exception& e) {
      reset();
      return make_error(errc::internal, e.what());
    }
  }
  return make_error(errc::unavailable, "database unavailable");
}

bool pg_session::ping() {
  auto r = transact([](pqxx::work& w) { return w.exec("SELECT 1").size(); });
  return static_cast<bool>(r);
}

caf::expected<int> apply_migrations(pg_session& db, const std::string& service,
                                    const std::vector<migration>& list) {
  return db.transact([&](pqxx::work& w) {
    w.exec("SELECT pg_advisory_xact_lock(" +
           std::to_string(migration_lock_key) + ")");
    w.exec(create_ledger);
    auto done = w.exec_params(
        "SELECT version FROM kumo_schema_migrations WHERE service = $1",
        service);
    std::vector<int> applied;
    for (const auto& row : done)
      applied.push_back(row[0].as<int>());
    int count = 0;
    for (const auto& m : list) {
      if (std::find(applied.begin(), applied.end(), m.version) != applied.end())
        continue;
      w.exec(m.sql);
      w.exec_params("INSERT INTO kumo_schema_migrations (service, version, "
                    "name) VALUES ($1, $2, $3)",
                    service, m.version, m.name);
      log::info("migration applied",
                {{"version", m.version}, {"name", m.name}});
      ++count;
    }
    return count;
  });
}

} // namespace kumo
