#pragma once

// The contracts of the queue's client requests (kumo.queue.cmd.<op>). The
// gateway parses HTTP bodies with them and forwards the encoded value; the
// queue parses the bus payload with the same functions, so both sides apply
// one set of limits, URL rules and provider names. Parsing never throws:
// it yields the typed request or the first offending field.

#include "kumo/address_policy.hpp"
#include "kumo/contracts/fields.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::contracts {

/// Limits of every queue request.
namespace queue_limits {
constexpr size_t max_text_bytes = 255; ///< serie_id, serie_folder, serie_name
constexpr size_t max_provider_bytes = 32;
constexpr size_t max_episodes = 1000;
constexpr size_t max_sources = 8; ///< sources of one episode
constexpr size_t max_ids = 1000;  ///< retry ids
constexpr int64_t max_season = 1000;
constexpr int64_t max_episode = 10000;
constexpr int64_t max_size = int64_t{1} << 53; ///< bytes, exact in JSON
} // namespace queue_limits

/// Providers a source may name.
const std::vector<std::string>& known_providers();

/// Queue priority; the numbers are the stored ranks.
enum class priority_level : int16_t { low = 0, normal = 1, high = 2 };

/// "high", "normal", "low".
const char* to_string(priority_level p);

/// Reads "high" | "normal" | "low" or 2 | 1 | 0.
parsed<priority_level> read_priority(const nlohmann::json& value,
                                     const std::string& path);

struct episode_source {
  std::string provider; ///< one of known_providers()
  std::string url;      ///< see source_url_problem
  std::string sha256;   ///< 64 lowercase hex digits or ""
  int64_t size = -1;    ///< bytes, -1 unknown
};

/// The wire form of one source (sha256 and size only when known).
nlohmann::json to_json(const episode_source& src);

/// One episode: "source" (one) or "sources" (1..max_sources, ordered, the
/// first tried first), never both; or a bare reference "S01E02" (no
/// sources: the series' provider names them when the item is claimed).
struct episode_request {
  int season = 0;                      ///< 0..max_season
  int episode = 0;                     ///< 0..max_episode
  episode_source source;               ///< the first of `sources`
  std::vector<episode_source> sources; ///< every source, in order; empty:
                                       ///< a bare reference
  /// A bare "S01E02": resolved through the series' provider at claim.
  bool unresolved() const {
    return sources.empty();
  }
};

/// "S01E02" as the label of an episode (two digits at least).
std::string episode_label(int season, int episode);

/// kumo.queue.cmd.add: episodes of one series, each (season, episode) once.
struct add_request {
  std::string serie_id;     ///< a series key
  std::string serie_folder; ///< one folder name: no '/', '\', '.', '..'
  std::string serie_name;
  priority_level priority = priority_level::normal;
  std::vector<episode_request> episodes; ///< 1..max_episodes
};

/// What a request is checked against beyond its own fields.
struct request_rules {
  address_policy addresses; ///< literal source addresses must pass it
};

parsed<add_request> parse_add(const nlohmann::json& body,
                              const request_rules& rules);

/// The wire form parse_add accepts (sha256 and size only when known; a bare
/// reference as its label "S01E02").
nlohmann::json to_json(const add_request& req);

/// kumo.queue.cmd.get / remove / pause_item / resume_item / cancel_item.
struct item_request {
  std::string id; ///< lowercase UUID
};

parsed<item_request> parse_item(const nlohmann::json& body);
nlohmann::json to_json(const item_request& req);

/// kumo.queue.cmd.set_priority.
struct priority_request {
  std::string id;
  priority_level priority = priority_level::normal;
};

parsed<priority_request> parse_priority_request(const nlohmann::json& body);
nlohmann::json to_json(const priority_request& req);

/// kumo.queue.cmd.retry: `all` (no ids given) retries every failed item.
struct retry_request {
  bool all = true;
  std::vector<std::string> ids; ///< lowercase UUIDs, at most max_ids
};

parsed<retry_request> parse_retry(const nlohmann::json& body);
nlohmann::json to_json(const retry_request& req);

} // namespace kumo::contracts
