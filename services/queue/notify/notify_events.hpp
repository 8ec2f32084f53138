#pragma once

// Which happenings become notification events, and their payloads. Pure.

#include "model.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::queue::notify {

/// An event to record: name (notify_logic's event_names), payload, and a
/// key that makes a repeated message one event ("" for none).
struct bus_event {
  std::string name;
  nlohmann::json payload;
  std::string key;
};

/// The bus subjects notifications listen to (queue group "queue-notify",
/// so one replica records each message): scan progress, provider breaker
/// changes, new episodes found.
const std::vector<std::string>& event_subjects();

/// The event a bus message stands for, or nullopt when it stands for none
/// (scan progress that is no end, a half-open breaker, a malformed or
/// oversized payload).
std::optional<bus_event> event_from_bus(const std::string& subject,
                                        const std::string& payload);

/// "episode.imported": the item's series, episode, library path and size.
nlohmann::json imported_payload(const queue_item& item,
                                const std::string& sha256);

/// "download.failed": the item and why it failed for good.
nlohmann::json failed_payload(const queue_item& item,
                              const std::string& reason);

/// "disk.guard_tripped": the item handed back and the worker's reading.
nlohmann::json disk_payload(const queue_item& item, const std::string& worker,
                            const std::string& detail);

} // namespace kumo::queue::notify
