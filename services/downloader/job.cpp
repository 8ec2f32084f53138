#include "job.hpp"

#include "adopt.hpp"
#include "hls_job.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/job_trace.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "part_file.hpp"
#include "safe_path.hpp"
#include "segmented.hpp"
#include "sha256.hpp"
#include "throttle.hpp"
#include "transfer.hpp"
#include "ytdlp_job.hpp"

#include <caf/all.hpp>
#include <cstdio>
#include <thread>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds first_backoff{250};
constexpr milliseconds max_backoff{2'000};
constexpr milliseconds sleep_slice{100};
/// Attempts at the report after a stop other than shutdown: the queue has
/// already changed the job's state; the report only hands over the offset.
constexpr int stop_report_attempts = 5;

class job_runner : public transfer_observer {
public:
  job_runner(caf::blocking_actor* self, job_env env, wire::job job,
             std::shared_ptr<job_control> control)
      : self_(self),
        env_(std::move(env)),
        job_(std::move(job)),
        control_(std::move(control)) {
    durable_ = {job_.bytes_done, job_.bytes_total, job_.validator};
  }

  void run();

  bool may_continue() override;
  void on_durable(const durable_state& state) override;
  void on_started(int64_t offset, int64_t total) override;
  void on_progress(int64_t written, int64_t current, int64_t total,
                   int64_t speed_bps) override;

private:
  std::string execute();
  std::optional<target_paths> resolve(std::string* outcome);
  std::optional<std::string> check_final(const target_paths& paths);
  void clean_up_after_failure();
  std::string finish_completed(const std::string& digest);
  std::string finish_stopped();
  /// Reports a failure; only a `source_fault` counts against the provider's
  /// health (not a target path, a file of ours or the request itself).
  std::string finish_failed(const std::string& error, bool transient,
                            bool source_fault);
  std::string finish_disk_full();
  bool disk_allows(int64_t reserve);
  std::string commit_and_complete(part_file* file, const std::string& digest);

  wire::report make_report(const std::string& outcome) const;
  wire::source_outcome outcome_of_source(bool ok,
                                         const std::string& error) const;
  std::string provider() const {
    return job_.src.provider.empty() ? "direct" : job_.src.provider;
  }

  /// The trace fields of this job's log lines plus `extra`.
  nlohmann::json trace(const char* event,
                       nlohmann::json extra = nlohmann::json::object()) const {
    return job_fields(event, job_.id, job_.lease_token, std::move(extra));
  }
  std::optional<wire::report_reply> send_report(const wire::report& r,
                                                bool give_up_when_lost,
                                                int max_attempts = 0);
  std::optional<std::string> request(const std::string& subject,
                                     const std::string& payload,
                                     milliseconds timeout);
  bool pause_for(milliseconds d, bool give_up_when_lost);
  bool lost() const;
  void publish_progress(const std::string& status, int64_t current,
                        int64_t total, int64_t speed_bps);

  caf::blocking_actor* self_;
  job_env env_;
  wire::job job_;
  std::shared_ptr<job_control> control_;
  std::optional<target_paths> paths_;
  std::optional<part_file> file_; ///< after the transfer: our partial file
  durable_state durable_;
  progress_throttle throttle_;
  bool lease_expired_ = false;
  bool bus_gone_ = false;
  clock::time_point started_ = clock::now();
  int64_t received_ = 0; ///< bytes written in this attempt
  check_pacer disk_pacer_{disk_guard::check_every};
  int64_t position_ = 0;  ///< bytes of the file on disk so far
  std::string disk_full_; ///< why the free-space guard stopped the job
};

bool job_runner::lost() const {
  auto s = control_->stop();
  return s == stop_reason::lost || s == stop_reason::lost_cancelled;
}

bool job_runner::may_continue() {
  if (control_->stop() != stop_reason::none)
    return false;
  if (!control_->lease_valid(clock::now())) {
    lease_expired_ = true;
    return false;
  }
  return !disk_pacer_.due(position_) || disk_allows(0);
}

/// Asks the free-space guard; remembers why it refused.
bool job_runner::disk_allows(int64_t reserve) {
  if (env_.disk)
    disk_full_ = env_.disk->check(reserve);
  return disk_full_.empty();
}

void job_runner::on_durable(const durable_state& state) {
  durable_ = state;
  control_->set_durable(state.bytes_done, state.bytes_total, state.validator);
}

void job_runner::on_started(int64_t offset, int64_t total) {
  log::info(offset > 0 ? "download resumed" : "download connected",
            trace(offset > 0 ? "resumed" : "connected",
                  {{"offset", offset}, {"total", total}}));
  throttle_.reported(offset, clock::now());
  publish_progress("started", offset, total, 0);
}

void job_runner::on_progress(int64_t written, int64_t current, int64_t total,
                             int64_t speed_bps) {
  env_.metrics.bytes->Increment(static_cast<double>(written));
  received_ += written;
  position_ = current;
  control_->set_speed(speed_bps);
  if (throttle_.should_report(current, total, clock::now()))
    publish_progress("in_progress", current, total, speed_bps);
}

std::string episode_title(const wire::job& job) {
  char code[32];
  std::snprintf(code, sizeof code, "S%02dE%02d", job.season, job.episode);
  return job.serie_name + " " + code;
}

void job_runner::publish_progress(const std::string& status, int64_t current,
                                  int64_t total, int64_t speed_bps) {
  wire::progress_update u;
  u.id = "download:" + job_.id;
  u.kind = "download";
  u.status = status;
  u.title = episode_title(job_);
  u.current = current;
  u.total = total;
  u.percent = total > 0 ? 100.0 * static_cast<double>(current) /
                              static_cast<double>(total)
                        : -1;
  u.speed_bps = speed_bps;
  u.eta_seconds = speed_bps > 0 && total >= current
                      ? (total - current + speed_bps - 1) / speed_bps
                      : -1;
  u.key = job_.serie_id;
  u.folder = job_.serie_folder;
  u.metadata = {{"item_status", "downloading"},
                {"season", job_.season},
                {"episode", job_.episode},
                {"worker", env_.worker}};
  caf::anon_send(env_.bus, publish_atom::value, subjects::progress("download"),
                 encode(u));
}

wire::report job_runner::make_report(const std::string& outcome) const {
  wire::report r;
  r.id = job_.id;
  r.lease_token = job_.lease_token;
  r.worker = env_.worker;
  r.outcome = outcome;
  r.bytes_done = durable_.bytes_done;
  r.bytes_total = durable_.bytes_total;
  r.validator = durable_.validator;
  return r;
}

wire::source_outcome
job_runner::outcome_of_source(bool ok, const std::string& error) const {
  wire::source_outcome o;
  o.provider = provider();
  o.ok = ok;
  o.response_ms =
      std::chrono::duration_cast<milliseconds>(clock::now() - started_).count();
  o.bytes = received_;
  o.error = error;
  return o;
}

std::optional<std::string> job_runner::request(const std::string& subject,
                                               const std::string& payload,
                                               milliseconds timeout) {
  auto answer =
      ask_blocking(self_, env_.bus, subject, payload, caf::timespan{timeout});
  if (answer)
    return std::move(*answer);
  // Timeouts and missing responders are retried; a bus that is gone (the
  // process is exiting) never answers again.
  if (answer.error() == caf::sec::request_receiver_down)
    bus_gone_ = true;
  return std::nullopt;
}

bool job_runner::pause_for(milliseconds d, bool give_up_when_lost) {
  auto until = clock::now() + d;
  while (clock::now() < until) {
    if ((give_up_when_lost && lost()) ||
        clock::now() >= control_->shutdown_deadline())
      return false;
    std::this_thread::sleep_for(
        std::min<clock::duration>(sleep_slice, until - clock::now()));
  }
  return true;
}

std::optional<wire::report_reply>
job_runner::send_report(const wire::report& r, bool give_up_when_lost,
                        int max_attempts) {
  auto payload = encode(r);
  auto backoff = first_backoff;
  for (int attempt = 1;; ++attempt) {
    if ((give_up_when_lost && lost()) || bus_gone_)
      return std::nullopt;
    auto now = clock::now();
    auto deadline = control_->shutdown_deadline();
    if (now >= deadline)
      return std::nullopt;
    auto timeout = env_.request_timeout;
    if (deadline - now < timeout)
      timeout =
          std::max(milliseconds{100},
                   std::chrono::duration_cast<milliseconds>(deadline - now));
    if (auto answer = request(subjects::queue_report, payload, timeout)) {
      auto doc = nlohmann::json::parse(*answer, nullptr, false);
      auto reply = decode<wire::report_reply>(*answer);
      if (doc.is_object() && doc.contains("ok") && reply)
        return *std::move(reply);
      log::warn("report refused",
                trace("report_refused", {{"outcome", r.outcome},
                                         {"reply", answer->substr(0, 200)}}));
    }
    if (max_attempts > 0 && attempt >= max_attempts)
      return std::nullopt;
    if (!pause_for(backoff, give_up_when_lost))
      return std::nullopt;
    backoff = std::min(backoff * 2, max_backoff);
  }
}

std::optional<target_paths> job_runner::resolve(std::string* outcome) {
  auto lexical = check_relative_path(job_.target_path);
  std::string error = lexical;
  std::optional<target_paths> paths;
  if (lexical.empty())
    paths = resolve_target(env_.library_root, job_.target_path, true, &error,
                           job_.id);
  if (!paths) {
    bool permanent =
        !lexical.empty() ||
        error.find("leaves the library root") != std::string::npos ||
        error.find("not a directory") != std::string::npos;
    log::warn("unusable target path",
              trace("target_unusable",
                    {{"target_path", job_.target_path}, {"error", error}}));
    *outcome =
        finish_failed("invalid target path: " + error, !permanent, false);
  }
  return paths;
}

/// A file already at the final path. Adopted when it is this job's own
/// download (a previous owner linked it into place but died before the
/// queue heard "completed"; see adopt.hpp); anything else belongs to
/// someone else: the job fails and the file is left as it is.
std::optional<std::string> job_runner::check_final(const target_paths& paths) {
  adopt_expectation expected{job_.id, job_.src.size,
                             normalize_sha256(job_.src.sha256),
                             job_.bytes_total, job_.validator};
  auto facts =
      inspect_final(paths.final_path, !expected.declared_sha256.empty());
  if (!facts)
    return std::nullopt;
  if (!is_own_download(*facts, expected)) {
    log::warn("a file not written by this job is at the target",
              trace("target_taken", {{"target_path", job_.target_path}}));
    return finish_failed("target exists and is not ours: " + job_.target_path,
                         false, false);
  }
  log::info("adopting a file already in place", trace("adopted"));
  // A commit interrupted between link and unlink also left our `.part`.
  std::string error;
  bool skipped = false;
  remove_part_of(paths, job_.id, &skipped, &error);
  durable_ = {facts->size, facts->size,
              facts->validator.value_or(job_.validator)};
  return commit_and_complete(nullptr, facts->sha256);
}

std::string job_runner::commit_and_complete(part_file* file,
                                            const std::string& digest) {
  auto commit = make_report("commit");
  commit.sha256 = digest;
  auto verdict = send_report(commit, true);
  if (!verdict)
    return lost() ? "lost" : "unconfirmed";
  if (!verdict->ok) {
    log::warn("commit refused; leaving the partial file",
              trace("commit_refused", {{"reason", verdict->reason}}));
    return "stale";
  }
  std::string error;
  if (file && !file->publish(&error, durable_.validator)) {
    log::error("cannot move the download into place",
               trace("commit_failed", {{"error", error}}));
    if (error.rfind("target exists", 0) == 0)
      return finish_failed("target exists and is not ours: " + job_.target_path,
                           false, false);
    return finish_failed(error, true, false);
  }
  log::info("download committed",
            trace("committed", {{"target_path", job_.target_path},
                                {"bytes_done", durable_.bytes_done}}));
  // The file is in place: this report must reach the queue, whatever else
  // happens meanwhile (until the process has to exit).
  auto done = make_report("completed");
  done.sha256 = digest;
  done.source_outcome = outcome_of_source(true, {});
  if (!send_report(done, false))
    log::warn("completion not confirmed before shutdown",
              trace("completion_unconfirmed"));
  return "completed";
}

std::string job_runner::finish_completed(const std::string& digest) {
  return commit_and_complete(&*file_, digest);
}

std::string job_runner::finish_stopped() {
  auto reason = control_->stop();
  if (reason == stop_reason::none && !disk_full_.empty())
    return finish_disk_full();
  // Only our own partial file is deleted: by now the target path may
  // belong to a new job for the same episode.
  auto discard = [&] { clean_up_after_failure(); };
  switch (reason) {
  case stop_reason::lost_cancelled:
    discard();
    return "lost";
  case stop_reason::lost: {
    // Nothing more is written. The offset is still worth handing over:
    // while our token is the job's latest lease (paused, or expired and
    // not claimed again) the queue keeps it; otherwise the report is
    // stale and changes nothing.
    auto outcome = control_->lost_status() == "paused" ? "paused" : "released";
    send_report(make_report(outcome), false, stop_report_attempts);
    return "lost";
  }
  case stop_reason::cancel:
    discard();
    durable_.bytes_done = 0;
    send_report(make_report("cancelled"), false, stop_report_attempts);
    return "cancelled";
  case stop_reason::pause:
    send_report(make_report("paused"), false, stop_report_attempts);
    return "paused";
  case stop_reason::drain:
    send_report(make_report("released"), false);
    return "released";
  case stop_reason::none:
    break;
  }
  // Our own lease ran out (no heartbeat got through): writing stopped; tell
  // the queue if it can still hear us, else its reaper recovers the job.
  // A lease lost either way: here, or reported lost by a heartbeat reply.
  env_.metrics.leases_lost->Increment();
  log::warn("lease expired locally; stopped writing",
            trace("lease_expired_locally"));
  send_report(make_report("released"), false, stop_report_attempts);
  return "lease_expired";
}

/// Deletes our own `.part` and then the directories this job created, when
/// they are empty: a job that ends without a file leaves nothing behind.
void job_runner::clean_up_after_failure() {
  if (file_) {
    file_->remove_if_current();
  } else if (paths_) {
    std::string error;
    bool skipped = false;
    if (!remove_part_of(*paths_, job_.id, &skipped, &error))
      log::warn("cannot delete partial file",
                trace("discard_failed", {{"error", error}}));
  }
  if (paths_) {
    remove_media_workdir(*paths_, job_.id);
    remove_job_directories(env_.library_root, *paths_, job_.id);
  }
}

std::string job_runner::finish_failed(const std::string& error, bool transient,
                                      bool source_fault) {
  if (lost())
    return finish_stopped();
  // A permanent failure keeps no bytes worth resuming; a transient one
  // keeps its `.part` (and so its folder) for the retry.
  if (!transient)
    clean_up_after_failure();
  log::warn("download failed",
            trace("failed", {{"error", error}, {"transient", transient}}));
  auto r = make_report("failed");
  r.error = error;
  r.transient = transient;
  if (source_fault)
    r.source_outcome = outcome_of_source(false, error);
  send_report(r, true);
  return "failed";
}

/// Hands the job back with its offset, paused for a full disk: the queue
/// lets a worker claim it again once that worker sees enough space.
std::string job_runner::finish_disk_full() {
  log::warn("free-space guard tripped; job handed back",
            trace("disk_full", {{"reason", disk_full_},
                                {"bytes_done", durable_.bytes_done}}));
  auto r = make_report("paused");
  r.reason = "disk_full";
  r.error = disk_full_;
  send_report(r, false, stop_report_attempts);
  return "disk_full";
}

std::string job_runner::execute() {
  if (control_->stop() != stop_reason::none)
    return finish_stopped(); // claimed while shutting down
  std::string outcome;
  paths_ = resolve(&outcome);
  if (!paths_)
    return outcome;
  if (auto ended = check_final(*paths_))
    return *ended;
  transfer_spec spec;
  spec.url = job_.src.url;
  spec.job_id = job_.id;
  spec.paths = *paths_;
  spec.bytes_done = job_.bytes_done;
  spec.bytes_total = job_.bytes_total;
  spec.validator = job_.validator;
  spec.expected_size = job_.src.size;
  spec.sha256 = normalize_sha256(job_.src.sha256);
  spec.rate_limit_bps = job_.rate_limit_bps;
  if (!job_.src.sha256.empty() && spec.sha256.empty())
    return finish_failed("source sha256 is not 64 hex digits", false, false);
  auto size = std::max(spec.expected_size, spec.bytes_total);
  if (!disk_allows(size > 0 ? size - spec.bytes_done : 0))
    return finish_disk_full();
  transfer_settings settings;
  settings.user_agent = env_.user_agent;
  settings.connect_timeout = env_.connect_timeout;
  settings.stall_timeout = env_.stall_timeout;
  settings.sync_interval = env_.sync_interval;
  settings.policy = env_.policy.get();
  settings.bucket = env_.bucket.get();
  std::shared_ptr<token_bucket> provider_bucket;
  settings.segments.min_size = env_.segment_min_size;
  settings.segments.max_connections = 1;
  if (env_.providers) {
    provider_bucket = env_.providers->bucket(provider());
    settings.provider_bucket = provider_bucket.get();
    settings.segments.max_connections =
        env_.providers->max_connections(provider());
    env_.providers->timeouts(provider(), settings.connect_timeout,
                             settings.stall_timeout);
  }
  // Media sources: segments or a tool, ending in the same `.part`.
  auto result = job_.src.provider == "hls"
                    ? run_hls_transfer(spec, settings, env_.media, *this)
                : job_.src.provider == "ytdlp"
                    ? run_ytdlp_transfer(spec, settings, env_.media, *this)
                    : run_download(spec, settings, *this);
  env_.metrics.count_resume(result.resumed);
  file_ = std::move(result.file);
  switch (result.outcome) {
  case transfer_outcome::completed:
    return finish_completed(result.sha256);
  case transfer_outcome::stopped:
    return finish_stopped();
  case transfer_outcome::failed:
    break;
  }
  return finish_failed(result.error, result.transient, !result.local);
}

void job_runner::run() {
  auto started = clock::now();
  log::info("job started", trace("claimed", {{"target_path", job_.target_path},
                                             {"offset", job_.bytes_done},
                                             {"attempt", job_.attempt}}));
  auto outcome = execute();
  double seconds =
      std::chrono::duration<double>(clock::now() - started).count();
  env_.metrics.count_job(outcome);
  env_.metrics.duration->Observe(seconds);
  log::info("job ended", trace("ended", {{"outcome", outcome},
                                         {"bytes_done", durable_.bytes_done},
                                         {"seconds", seconds}}));
}

} // namespace

void run_job(caf::blocking_actor* self, job_env env, wire::job job,
             std::shared_ptr<job_control> control) {
  job_runner runner{self, std::move(env), std::move(job), std::move(control)};
  runner.run();
}

} // namespace kumo::downloader
