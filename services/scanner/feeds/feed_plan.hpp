#pragma once

// What the scanner makes of a provider's answer (pure: no CAF, NATS or
// pqxx): episode numbers for every listed episode, and the queue request
// that downloads a set of them.

#include "provider.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::scanner {

/// One episode of a provider listing with its catalog numbers.
struct feed_episode {
  int season = 0;
  int episode = 0;
  std::string title;
  std::string air_date; ///< YYYY-MM-DD or ""
  std::string guid;
  std::vector<providers::source> sources; ///< never empty
};

struct numbered_listing {
  std::vector<feed_episode> episodes;
  std::vector<std::string> skipped; ///< first few reasons
  std::size_t skipped_total = 0;
};

/// Numbers each episode: the provider's season/episode when it gave them;
/// otherwise the episode-name parser on the title (`S01E02`, `1x02`,
/// `Season 2 Episode 3`; a bare or absolute number N is season 1 episode
/// N, so the downloaded file `S01E<N>` is found by the next scan). An
/// episode without any number, with numbers beyond what the queue takes
/// (season 0–1000, episode 0–10000), or repeating the numbers of an
/// earlier one is skipped with the reason. The provider's skipped items
/// are kept.
numbered_listing number_episodes(const providers::series_details& info);

/// The listing as the JSON array the catalog merges (feed_store).
nlohmann::json to_json(const std::vector<feed_episode>& episodes);

/// The series a queue request is for.
struct queue_target {
  std::string key;
  std::string folder;
  std::string name;
};

/// Sources the queue keeps per episode, tried in order.
constexpr std::size_t max_queue_sources = 8;

/// The body of kumo.queue.cmd.add for `episodes` (1..1000) of `target`:
/// each episode with its sources in order (at most max_queue_sources) as
/// `sources`, so the queue fails over between them; priority normal. The
/// name is cut to the queue's 255 bytes.
nlohmann::json queue_add_body(const queue_target& target,
                              const std::vector<feed_episode>& episodes);

} // namespace kumo::scanner
