#pragma once

// Bare episode references ("S01E02" in cmd.add): the queue keeps them
// without sources and asks the scanner, which owns the series' provider
// and the sources its listings gave each episode
// (kumo.scanner.cmd.episode_sources), once at add (does the series have a
// provider?) and again when the item is claimed (which sources?).
// Pure: JSON in, values out.

#include "commands.hpp"
#include "kumo/contracts/queue_requests.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::queue {

/// How long the queue waits for the scanner; shorter than a worker's claim
/// request, so a claim with bare references is still answered in time.
constexpr int64_t resolve_timeout_ms = 3'000;

/// The first episode of `add` given as a bare reference, or -1.
int first_unresolved(const add_command& add);

/// The body of kumo.scanner.cmd.episode_sources: the series `key` and,
/// when given, the one episode to name the sources of.
nlohmann::json episode_sources_request(const std::string& key,
                                       std::optional<std::pair<int, int>> ep);

/// A refusal of an add with bare references: its field and sentence.
struct add_refusal {
  std::string code; ///< "invalid_argument" or "unavailable"
  std::string field;
  std::string message;
};

/// The series' provider (its `site`) in the scanner's answer; "" when the
/// answer is not one or names none.
std::string series_site(const std::string& answer);

/// Judges the scanner's answer (or `bus_error`, non-empty when it could
/// not be asked) about the series of `add`: nullopt when its provider can
/// resolve bare references, otherwise why the add is refused.
std::optional<add_refusal> judge_series(const add_command& add,
                                        const std::string& answer,
                                        const std::string& bus_error);

/// Reads the scanner's answer (or `bus_error`) about one claimed bare
/// reference: its sources, each checked against `rules` like a source of
/// an add (invalid ones are left out), or why it is not resolved.
resolve_command read_resolution(const std::string& answer,
                                const std::string& bus_error, int season,
                                int episode,
                                const contracts::request_rules& rules);

} // namespace kumo::queue
