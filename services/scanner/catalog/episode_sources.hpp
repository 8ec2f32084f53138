#pragma once

// kumo.scanner.cmd.episode_sources: what the queue asks when a bare episode
// reference ("S01E02") is added or claimed. The scanner owns the series'
// provider link and the sources its listings gave each episode.

#include "catalog/requests.hpp"

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace kumo::scanner {

/// {"key", "site", "link", "has_provider", "episodes": [{"season",
/// "episode", "sources": [{provider, url, sha256, size}, ...]}]}: the live
/// series `req.key` and, of the asked episodes, those its provider listed
/// with at least one source (first tried first). Asked episodes the
/// provider does not list are absent. not_found (field `key`) when there is
/// no such series.
caf::expected<nlohmann::json> episode_sources(pqxx::work& w,
                                              const scanner_request& req);

} // namespace kumo::scanner
