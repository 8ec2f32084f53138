#pragma once

// PostgreSQL through libpqxx. A pg_session belongs to exactly one actor (or
// thread); it reconnects lazily after the server went away. pqxx exceptions
// stop here and come out as caf::error values.

#include "kumo/errors.hpp"
#include "kumo/migration.hpp"

#include <caf/expected.hpp>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace kumo {

class pg_session {
public:
  explicit pg_session(std::string url);
  ~pg_session();

  pg_session(const pg_session&) = delete;
  pg_session& operator=(const pg_session&) = delete;

  /// Runs `fn` in one transaction and commits it. A broken connection is
  /// reopened and the transaction retried once (fn must be idempotent up to
  /// its commit, which every transaction is). Returns errc::unavailable when
  /// the server cannot be reached, errc::internal for SQL errors.
  template <class F>
  auto transact(F&& fn)
      -> caf::expected<decltype(fn(std::declval<pqxx::work&>()))> {
    using value = decltype(fn(std::declval<pqxx::work&>()));
    caf::expected<value> out{make_error(errc::unavailable, "not run")};
    auto err = run([&](pqxx::work& w) { out = fn(w); });
    if (err)
      return err;
    return out;
  }

  /// `SELECT 1`, reconnecting if needed.
  bool ping();

  /// The open connection, opening it if needed. REQUIRES: the caller handles
  /// pqxx exceptions.
  pqxx::connection& connection();

  /// Drops the connection (after an error that left it unusable).
  void reset();

private:
  caf::error run(const std::function<void(pqxx::work&)>& body);

  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
};

/// Applies the missing migrations of `service` in one transaction under a
/// transaction-scoped advisory lock, so replicas and services starting at the
/// same time apply each migration exactly once. Returns how many were applied.
caf::expected<int> apply_migrations(pg_session& db, const std::string& service,
                                    const std::vector<migration>& list);

} // namespace kumo
