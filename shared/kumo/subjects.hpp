#pragma once

// Every NATS subject Kumo uses, in one place (mirrored in
// docs/architecture.md).

#include <string>
#include <vector>

namespace kumo::subjects {

/// Request/reply, answered by every instance of `service`.
inline std::string health(const std::string& service) {
  return "kumo." + service + ".health";
}

/// Queue commands from the gateway (request/reply, queue group "queue").
inline std::string queue_cmd(const std::string& op) {
  return "kumo.queue.cmd." + op;
}
constexpr const char* queue_cmd_all = "kumo.queue.cmd.*";

/// Scanner commands from the gateway (request/reply, queue group
/// "scanner"; docs/library.md).
inline std::string scanner_cmd(const std::string& op) {
  return "kumo.scanner.cmd." + op;
}
constexpr const char* scanner_cmd_all = "kumo.scanner.cmd.*";

constexpr const char* queue_claim =
    "kumo.queue.claim"; ///< worker asks for work
constexpr const char* queue_heartbeat =
    "kumo.queue.heartbeat"; ///< lease extension + offsets
constexpr const char* queue_report =
    "kumo.queue.report"; ///< commit and terminal outcomes
constexpr const char* jobs_available =
    "kumo.jobs.available"; ///< wake-up for idle workers
constexpr const char* discard_partial =
    "kumo.downloader.discard"; ///< delete a cancelled job's .part

/// Runtime provider settings, published by the queue on every change
/// ({"providers": [...]}); the same body answers
/// kumo.queue.cmd.provider_config.
constexpr const char* providers_config = "kumo.providers.config";
/// A provider's circuit breaker moved: {"provider", "state"}.
constexpr const char* provider_breaker = "kumo.events.provider.breaker";

/// Cancel/pause of one running job, sent to whichever worker holds it.
inline std::string job_control(const std::string& id) {
  return "kumo.job." + id + ".control";
}
constexpr const char* job_control_all = "kumo.job.*.control";

/// Raw progress of one kind (download, scan, queue, system, error).
inline std::string progress(const std::string& kind) {
  return "kumo.progress." + kind;
}
constexpr const char* progress_all = "kumo.progress.*";
constexpr const char* progress_snapshot = "kumo.progress.snapshot";

/// Normalized events for one room, consumed by gateways.
inline std::string events(const std::string& room) {
  return "kumo.events." + room;
}
constexpr const char* events_all = "kumo.events.*";

/// Every room of kumo.events.<room>; clients pick rooms by these names.
inline const std::vector<std::string>& event_rooms() {
  static const std::vector<std::string> rooms{
      "download_progress", "downloads", "queue",
      "scan_progress",     "system",    "errors"};
  return rooms;
}

/// Notification targets API (request/reply, queue group "queue"):
/// list, create, update, delete, test, deliveries.
inline std::string queue_notify(const std::string& op) {
  return "kumo.queue.notify." + op;
}
constexpr const char* queue_notify_all = "kumo.queue.notify.*";

/// A scheduled check found new episodes of a series.
constexpr const char* series_new_episodes = "kumo.events.series.new_episodes";

/// Queue groups: one member of each group handles a given request.
constexpr const char* queue_group = "queue";
constexpr const char* scanner_group = "scanner";
constexpr const char* downloader_group = "downloader";
constexpr const char* progress_group = "progress";
/// Notification events heard by the queue: one replica records each.
constexpr const char* notify_group = "queue-notify";

} // namespace kumo::subjects
