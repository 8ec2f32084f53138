#pragma once

// The named API keys in PostgreSQL, owned by one detached actor (its own
// pg_session). HTTP threads reach it through key_client. Only key hashes
// (64 lowercase hex characters) reach the actor, never the keys.

#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>

namespace kumo::gateway {

using create_key_atom = caf::atom_constant<caf::atom("keycreate")>;
using list_keys_atom = caf::atom_constant<caf::atom("keylist")>;
using check_key_atom = caf::atom_constant<caf::atom("keycheck")>;
using touch_key_atom = caf::atom_constant<caf::atom("keytouch")>;
using revoke_key_atom = caf::atom_constant<caf::atom("keyrevoke")>;

/// The named API keys in PostgreSQL (auth/key_store.cpp). Detached. Key
/// hashes travel as 64 lowercase hex characters; raw keys never reach it.
using key_store_actor = caf::typed_actor<
    // Stores a key (name, prefix, hash); answers its record as JSON.
    caf::replies_to<create_key_atom, std::string, std::string,
                    std::string>::with<std::string>,
    // Every key as a JSON array (id, name, prefix, created_at, last_used_at).
    caf::replies_to<list_keys_atom>::with<std::string>,
    // Whether a key with this hash exists.
    caf::replies_to<check_key_atom, std::string>::with<bool>,
    // Records a use of the key with this hash now.
    caf::reacts_to<touch_key_atom, std::string>,
    // Deletes key `id`; answers its hash, "" when there was none.
    caf::replies_to<revoke_key_atom, int64_t>::with<std::string>>;

key_store_actor spawn_key_store(caf::actor_system& sys,
                                std::string database_url);

/// Blocking calls into the key store, each bounded by `deadline`.
class key_client {
public:
  key_client(caf::actor_system& sys, key_store_actor store,
             caf::timespan deadline);

  /// Stores a key; answers its record {id, name, prefix, created_at,
  /// last_used_at} as JSON text.
  [[nodiscard]] caf::expected<std::string>
  create(const std::string& name, const std::string& prefix,
         const std::string& hash) const;
  /// Every key's record, oldest first, as a JSON array.
  [[nodiscard]] caf::expected<std::string> list() const;
  [[nodiscard]] caf::expected<bool> exists(const std::string& hash) const;
  /// Records a use now, without waiting.
  void touch(const std::string& hash) const;
  /// Deletes key `id`; its hash, "" when it did not exist.
  [[nodiscard]] caf::expected<std::string> revoke(int64_t id) const;

private:
  caf::actor_system& sys_;
  key_store_actor store_;
  caf::timespan deadline_;
};

} // namespace kumo::gateway
