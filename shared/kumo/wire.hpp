#pragma once

// Messages that cross process boundaries, with their JSON form. Fields that
// may be absent have a default and are tolerated when missing.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::wire {

/// Answer to kumo.<service>.health.
struct health_report {
  std::string service;
  std::string instance;
  std::string version;
  std::string status; ///< "ok", or "degraded" when a dependency is down
  double uptime_seconds = 0;
  bool nats = false;
  bool database = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(health_report, service,
                                                instance, version, status,
                                                uptime_seconds, nats, database)

/// A request's failure, as answered over NATS: {"error": {...}}.
struct error_reply {
  std::string code;    ///< kumo::errc name, e.g. "invalid_argument"
  std::string message; ///< for humans
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(error_reply, code, message)

// -- download pipeline ------------------------------------------------------
//
// Contract between queue, downloader, progress and gateway. The queue is the
// only writer of job state; every message a worker sends about a job carries
// the job's lease token, and a stale token changes nothing.

/// Where an episode comes from. `provider` "direct": `url` is fetched as is.
struct source {
  std::string provider;
  std::string url;
  std::string sha256; ///< lowercase hex, "" when the source gives none
  int64_t size = -1;  ///< expected size in bytes, -1 when unknown
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(source, provider, url, sha256,
                                                size)

/// A claimed job as handed to a worker.
struct job {
  std::string id;
  std::string lease_token;
  int64_t lease_ms = 0; ///< lease length; heartbeat well within it
  std::string serie_id; ///< series key
  std::string serie_folder;
  std::string serie_name;
  int season = 0;
  int episode = 0;
  source src;
  std::string target_path; ///< relative to the library root
  int64_t bytes_done = 0;  ///< durable offset of the .part file
  int64_t bytes_total = -1;
  std::string validator; ///< ETag or Last-Modified of the partial data
  int attempt = 0;
  int64_t rate_limit_bps = 0; ///< per-job bandwidth limit, 0: none
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(job, id, lease_token, lease_ms,
                                                serie_id, serie_folder,
                                                serie_name, season, episode,
                                                src, target_path, bytes_done,
                                                bytes_total, validator, attempt,
                                                rate_limit_bps)

/// kumo.queue.claim: a worker with free slots asks for work.
struct claim_request {
  std::string worker;
  int slots = 1;
  /// The worker's free-space guard found enough space again (or the worker
  /// just started): items paused for a full disk become claimable.
  bool disk_recovered = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(claim_request, worker, slots,
                                                disk_recovered)

struct claim_reply {
  std::vector<job> jobs;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(claim_reply, jobs)

/// The state of one running job inside a heartbeat.
struct lease_state {
  std::string id;
  std::string lease_token;
  int64_t bytes_done = 0; ///< durable (fsync'd) offset
  int64_t bytes_total = -1;
  int64_t speed_bps = 0;
  std::string validator;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(lease_state, id, lease_token,
                                                bytes_done, bytes_total,
                                                speed_bps, validator)

/// kumo.queue.heartbeat: extends every listed lease whose token still owns
/// its job.
struct heartbeat {
  std::string worker;
  std::vector<lease_state> jobs;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(heartbeat, worker, jobs)

/// A job the worker no longer owns, and the job's current status (e.g.
/// "cancelled": delete the partial file; "paused"/"pending": keep it).
struct lost_lease {
  std::string id;
  std::string status;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(lost_lease, id, status)

struct heartbeat_reply {
  int64_t lease_ms = 0;
  std::vector<lost_lease> lost;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(heartbeat_reply, lease_ms, lost)

/// What one request to a source gave, sent with terminal and failure
/// reports; the queue keeps each provider's health with it.
struct source_outcome {
  std::string provider;
  bool ok = false;
  int64_t response_ms = 0; ///< from the job's start to its end
  int64_t bytes = 0;       ///< bytes received in this attempt
  std::string error;       ///< for failures
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(source_outcome, provider, ok,
                                                response_ms, bytes, error)

/// kumo.queue.report: a worker's state change of one job. Outcomes:
/// "commit" (asks to rename .part into place; extends the lease),
/// "completed", "failed", "paused", "cancelled", "released" (given back on
/// shutdown, offset kept). Workers retry a report until it is answered.
struct report {
  std::string id;
  std::string lease_token;
  std::string worker;
  std::string outcome;
  bool transient = false; ///< for "failed": worth retrying later
  std::string error;
  int64_t bytes_done = 0;
  int64_t bytes_total = -1;
  std::string validator;
  std::string sha256;
  /// For "paused": why the worker handed the job back ("disk_full": its
  /// free-space guard tripped), "" for a user's pause.
  std::string reason;
  std::optional<wire::source_outcome> source_outcome; ///< absent: not sent
};

/// The report's JSON; "source_outcome" only when present.
inline void to_json(nlohmann::json& j, const report& r) {
  j = {{"id", r.id},
       {"lease_token", r.lease_token},
       {"worker", r.worker},
       {"outcome", r.outcome},
       {"transient", r.transient},
       {"error", r.error},
       {"bytes_done", r.bytes_done},
       {"bytes_total", r.bytes_total},
       {"validator", r.validator},
       {"sha256", r.sha256},
       {"reason", r.reason}};
  if (r.source_outcome)
    j["source_outcome"] = *r.source_outcome;
}

inline void from_json(const nlohmann::json& j, report& r) {
  report defaults;
  r.id = j.value("id", defaults.id);
  r.lease_token = j.value("lease_token", defaults.lease_token);
  r.worker = j.value("worker", defaults.worker);
  r.outcome = j.value("outcome", defaults.outcome);
  r.transient = j.value("transient", defaults.transient);
  r.error = j.value("error", defaults.error);
  r.bytes_done = j.value("bytes_done", defaults.bytes_done);
  r.bytes_total = j.value("bytes_total", defaults.bytes_total);
  r.validator = j.value("validator", defaults.validator);
  r.sha256 = j.value("sha256", defaults.sha256);
  r.reason = j.value("reason", defaults.reason);
  r.source_outcome.reset();
  if (auto i = j.find("source_outcome"); i != j.end() && i->is_object())
    r.source_outcome = i->get<wire::source_outcome>();
}

struct report_reply {
  bool ok = false;
  std::string reason; ///< "stale_lease" when the token no longer owns the job
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(report_reply, ok, reason)

/// kumo.job.<id>.control: act on a running job now ("pause", "cancel").
struct job_control {
  std::string id;
  std::string action;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(job_control, id, action)

/// kumo.downloader.discard: delete the partial file of a job that is no
/// longer downloading (cancelled while paused or pending).
struct discard_request {
  std::string id;
  std::string target_path; ///< relative to the library root; ".part" is added
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(discard_request, id,
                                                target_path)

// -- progress ---------------------------------------------------------------

/// kumo.progress.<kind>: a raw progress update from any service.
/// kind: "download", "scan", "queue", "system", "error".
/// status: "started", "in_progress", "completed", "failed", "cancelled",
/// "paused".
struct progress_update {
  std::string
      id; ///< e.g. "download:<job id>", "library_scan", "download_queue"
  std::string kind;
  std::string status;
  std::string title;
  std::string message;
  int64_t current = 0;
  int64_t total = -1;
  double percent = -1; ///< -1: derive from current/total
  int64_t speed_bps = 0;
  int64_t eta_seconds = -1;
  std::string key; ///< series key when the update concerns a series
  std::string folder;
  nlohmann::json metadata = nlohmann::json::object();
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(progress_update, id, kind,
                                                status, title, message, current,
                                                total, percent, speed_bps,
                                                eta_seconds, key, folder,
                                                metadata)

/// kumo.events.<room>: one normalized progress event, as the progress
/// service publishes it and gateways stream it. `id` is "<epoch>:<seq>":
/// `seq` grows by one per event of one progress service run (`epoch`).
struct progress_event {
  std::string id;
  uint64_t seq = 0;
  std::string type; ///< message type, e.g. "download_progress"
  std::string room;
  std::string timestamp;                          ///< ISO-8601 UTC
  nlohmann::json data = nlohmann::json::object(); ///< the progress record
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(progress_event, id, seq, type,
                                                room, timestamp, data)

/// kumo.progress.snapshot request; no rooms: every room.
struct progress_snapshot_request {
  std::vector<std::string> rooms;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(progress_snapshot_request,
                                                rooms)

/// kumo.progress.snapshot reply: live records and recently finished ones.
/// `seq` is the last event emitted when the snapshot was taken: it already
/// reflects every event up to and including `seq`.
struct progress_snapshot {
  std::string epoch;
  uint64_t seq = 0;
  nlohmann::json active = nlohmann::json::array();
  nlohmann::json recent = nlohmann::json::array();
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(progress_snapshot, epoch, seq,
                                                active, recent)

} // namespace kumo::wire
