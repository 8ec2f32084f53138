#pragma once

// The queue's vocabulary: item states, priorities and the item as stored and
// as shown to clients (the contract's DownloadItem JSON).

#include "kumo/wire.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kumo::queue {

enum class item_status : uint8_t {
  pending,
  downloading,
  paused,
  completed,
  failed,
  cancelled,
};

const char* to_string(item_status x);

/// Parses the lowercase status name.
std::optional<item_status> parse_status(const std::string& text);

/// Stored as smallint; a higher rank is claimed first.
enum class priority : int16_t { low = 0, normal = 1, high = 2 };

const char* to_string(priority x);

/// Accepts "high", "normal", "low" (any case) and the seed's 0/1/2
/// (low/normal/high). Returns nullopt for anything else.
std::optional<priority> parse_priority(const nlohmann::json& value);

/// The priority for a stored rank; out-of-range ranks map to normal.
priority priority_from_rank(int rank);

/// One queue item, as read from the database (times already ISO-8601).
struct queue_item {
  std::string id;
  std::string serie_id;
  std::string serie_folder;
  std::string serie_name;
  int season = 0;
  int episode = 0;
  std::string provider;
  std::string source_url;
  std::string source_sha256;
  int64_t source_size = -1;
  /// Every source in the order they are tried; the current one (the fields
  /// above) is sources[source_index].
  std::vector<wire::source> sources;
  int source_index = 0;
  std::string target_path;
  item_status status = item_status::pending;
  priority prio = priority::normal;
  int64_t bytes_done = 0;
  int64_t bytes_total = -1;
  int64_t speed_bps = 0;
  std::string error;
  int attempts = 0;
  int retries = 0;
  std::string validator;
  std::string owner;
  std::string lease_token; ///< of the latest lease, "" before the first claim
  std::string added_at;
  std::optional<std::string> started_at;
  std::optional<std::string> completed_at;
  std::optional<std::string> next_attempt_at; ///< only for a delayed retry
  /// Why a paused item rests: "" or "disk_full" (a downloader's free-space
  /// guard handed it back; claimable again once there is space).
  std::string pause_reason;
  /// A bare reference's series provider (the library's `site`) until it
  /// is resolved; "" otherwise.
  std::string series_provider;
};

/// Percent done 0..100 (100 for completed items, 0 when the size is unknown).
double progress_percent(const queue_item& item);

/// Seconds left at the current speed, -1 when unknown.
int64_t eta_seconds(const queue_item& item);

/// The contract's item JSON: "source" is the current source, "sources" all
/// of them in order and "source_index" the current one's position. Never
/// includes the lease token.
nlohmann::json to_json(const queue_item& item);

/// "<name> S01E02".
std::string display_title(const queue_item& item);

/// Item counts by status name; every status is present (0 when none).
using status_counts = std::map<std::string, int64_t>;

/// Fills in the missing statuses with 0.
status_counts complete_counts(status_counts counts);

/// The queue-level switches (singleton row queue_state).
struct queue_flags {
  bool running = true;
  bool paused = false;

  /// Whether workers may claim jobs now.
  bool claimable() const {
    return running && !paused;
  }
};

nlohmann::json to_json(const queue_flags& flags);

} // namespace kumo::queue
