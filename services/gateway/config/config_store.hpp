#pragma once

// The runtime configuration document and its backups in PostgreSQL, owned
// by one detached actor (its own pg_session). Every change first copies the
// document it replaces into gateway_config_backups; the newest
// `keep_backups` copies are kept.

#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace kumo::gateway {

using config_get_atom = caf::atom_constant<caf::atom("cfgget")>;
using config_put_atom = caf::atom_constant<caf::atom("cfgput")>;
using config_backups_atom = caf::atom_constant<caf::atom("cfgbackups")>;
using config_restore_atom = caf::atom_constant<caf::atom("cfgrestore")>;

/// The runtime configuration document and its backups in PostgreSQL
/// (config/config_store.cpp). Detached. Documents travel as JSON text.
using config_store_actor = caf::typed_actor<
    // The fields someone set ("{}" before the first change).
    caf::replies_to<config_get_atom>::with<std::string>,
    // Merges the (validated) patch into the stored document after backing
    // the old one up; answers {"document", "backup"}.
    caf::replies_to<config_put_atom, std::string>::with<std::string>,
    // The backups, newest first, as a JSON array.
    caf::replies_to<config_backups_atom>::with<std::string>,
    // Makes backup `name` the document, every field explicit (backing up
    // the current one); answers {"document", "backup"}, errc::not_found for
    // an unknown name.
    caf::replies_to<config_restore_atom, std::string>::with<std::string>>;

config_store_actor spawn_config_store(caf::actor_system& sys,
                                      std::string database_url,
                                      int64_t keep_backups);

/// The outcome of a change: the new stored document (the fields set; a
/// restore sets every field) and the backup of the old one.
struct config_change {
  nlohmann::json document;
  std::string backup;
};

/// Blocking calls into the store, each bounded by `deadline`.
class config_client {
public:
  config_client(caf::actor_system& sys, config_store_actor store,
                caf::timespan deadline);

  /// The fields someone set ("{}" before the first change).
  [[nodiscard]] caf::expected<nlohmann::json> get() const;
  /// Saves `patch` (REQUIRES: it passed validate_config).
  [[nodiscard]] caf::expected<config_change>
  put(const nlohmann::json& patch) const;
  /// [{"name", "created_at"}, ...], newest first.
  [[nodiscard]] caf::expected<nlohmann::json> backups() const;
  /// Makes backup `name` the document; errc::not_found for an unknown name.
  [[nodiscard]] caf::expected<config_change>
  restore(const std::string& name) const;

private:
  caf::actor_system& sys_;
  config_store_actor store_;
  caf::timespan deadline_;
};

/// True when `name` has the shape of a backup name ("config-" then digits
/// and dashes, at most 64 characters).
bool is_backup_name(const std::string& name);

} // namespace kumo::gateway
