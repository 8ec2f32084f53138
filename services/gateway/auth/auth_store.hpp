#pragma once

// The gateway's users and sessions in PostgreSQL, owned by one detached
// actor (its own pg_session; every call blocks on the database). HTTP
// threads reach it through auth_client. Token hashes travel as 64 lowercase
// hex characters; raw tokens and passwords never reach this actor.

#include "actors.hpp"

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace kumo::gateway {

/// Spawns the store (detached). `purge_interval`: how often expired sessions
/// are deleted.
auth_store_actor spawn_auth_store(caf::actor_system& sys,
                                  std::string database_url,
                                  caf::timespan purge_interval);

/// Blocking calls into the store for HTTP handler threads, each bounded by
/// `deadline` (errc::timeout when it passes). Database failures come back as
/// errc::unavailable.
class auth_client {
public:
  auth_client(caf::actor_system& sys, auth_store_actor store,
              caf::timespan deadline);

  [[nodiscard]] caf::expected<bool> configured() const;
  [[nodiscard]] caf::expected<bool>
  setup(const std::string& password_hash) const;
  [[nodiscard]] caf::expected<std::string> credential() const;
  [[nodiscard]] caf::expected<std::string>
  open_session(const std::string& hash, std::chrono::milliseconds ttl) const;
  [[nodiscard]] caf::expected<std::chrono::milliseconds>
  check_session(const std::string& hash) const;
  [[nodiscard]] caf::expected<bool> revoke(const std::string& hash) const;

private:
  template <class T, class... Ts>
  caf::expected<T> ask(Ts&&... xs) const;

  caf::actor_system& sys_;
  auth_store_actor store_;
  caf::timespan deadline_;
};

} // namespace kumo::gateway
