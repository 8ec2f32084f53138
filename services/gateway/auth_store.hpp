#pragma once

// The gateway's users and sessions in PostgreSQL, owned by one detached
// actor (its own pg_session; every call blocks on the database). HTTP
// threads reach it through auth_client. Token hashes travel as 64 lowercase
// hex characters; raw tokens and passwords never reach this actor.

#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace kumo::gateway {

using configured_atom = caf::atom_constant<caf::atom("configured")>;
using setup_atom = caf::atom_constant<caf::atom("setup")>;
using credential_atom = caf::atom_constant<caf::atom("credential")>;
using open_session_atom = caf::atom_constant<caf::atom("opensess")>;
using check_session_atom = caf::atom_constant<caf::atom("checksess")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;

using auth_store_actor = caf::typed_actor<
    // Whether the master account exists.
    caf::replies_to<configured_atom>::with<bool>,
    // Creates the master account with this password hash; false when an
    // account already exists (nothing changes then).
    caf::replies_to<setup_atom, std::string>::with<bool>,
    // The master account's password hash, "" when there is none.
    caf::replies_to<credential_atom>::with<std::string>,
    // Stores a session (token hash, lifetime in ms); answers its expiry as
    // ISO-8601 UTC.
    caf::replies_to<open_session_atom, std::string, int64_t>::with<std::string>,
    // Milliseconds the session with this token hash has left; 0 when it is
    // unknown, revoked or expired.
    caf::replies_to<check_session_atom, std::string>::with<int64_t>,
    // Deletes the session; true when it existed.
    caf::replies_to<revoke_atom, std::string>::with<bool>,
    // Internal: deletes expired sessions, then schedules the next purge.
    caf::reacts_to<purge_atom>>;

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
