#include "worker.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/job_trace.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "kumo/wire.hpp"

#include <caf/all.hpp>
#include <map>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Lease length assumed until the queue names one.
constexpr int64_t default_lease_ms = 30'000;

/// Runtime provider settings: published by the queue on every change, and
/// answered on request (asked once at start; no answer: defaults).
const std::string providers_config_subject = "kumo.providers.config";
const std::string provider_config_request = "kumo.queue.cmd.provider_config";

struct running_job {
  wire::job job;
  std::shared_ptr<job_control> control;
  caf::actor_addr actor;
};

struct worker_state {
  static inline const char* name = "kumo.downloader.worker";

  downloader_options opts;
  job_env env;
  std::map<std::string, running_job> running; ///< by lease token
  bool claim_in_flight = false;
  bool claim_again = false; ///< a wake-up arrived while claiming
  bool beat_in_flight = false;
  bool beat_failing = false;
  uint64_t beat_generation = 0;
  int64_t beat_interval_ms = default_lease_ms / 3;
  bool draining = false;
  clock::time_point drain_deadline = clock::time_point::max();
  caf::typed_response_promise<bool> drain_promise;
  bool drain_pending = false;
  bool disk_low = false; ///< below the free-space floor: no claims
  /// The next claim says disk_recovered (items held for a full disk become
  /// claimable): at start and whenever space returned.
  bool space_news = true;
};

using worker_pointer = worker_actor::stateful_pointer<worker_state>;

int free_slots(worker_pointer self) {
  auto& st = self->state;
  return st.opts.jobs - static_cast<int>(st.running.size());
}

void schedule_beat(worker_pointer self, int64_t interval_ms) {
  auto& st = self->state;
  st.beat_interval_ms = std::max<int64_t>(interval_ms, 100);
  self->delayed_send(self, milliseconds{st.beat_interval_ms}, beat_atom::value,
                     ++st.beat_generation);
}

void maybe_finish_drain(worker_pointer self) {
  auto& st = self->state;
  if (st.drain_pending && st.running.empty() && !st.claim_in_flight) {
    st.drain_pending = false;
    st.drain_promise.deliver(true);
  }
}

void start_job(worker_pointer self, wire::job job, clock::time_point asked_at) {
  auto& st = self->state;
  if (job.lease_ms <= 0)
    job.lease_ms = default_lease_ms;
  auto deadline =
      asked_at + milliseconds{job.lease_ms} - lease_margin(job.lease_ms);
  auto control = std::make_shared<job_control>(
      deadline,
      lease_snapshot{job.bytes_done, job.bytes_total, 0, job.validator});
  if (st.draining || free_slots(self) <= 0) {
    // Not ours to run: hand it straight back.
    control->set_shutdown_deadline(std::min(
        clock::now() + st.opts.request_timeout * 2, st.drain_deadline));
    control->request_stop(stop_reason::drain);
  }
  auto actor = self->spawn(run_job, st.env, job, control);
  self->monitor(actor);
  // A new, shorter lease needs the heartbeat sooner.
  if (job.lease_ms / 3 < st.beat_interval_ms)
    schedule_beat(self, job.lease_ms / 3);
  auto token = job.lease_token;
  st.running[token] = running_job{std::move(job), control, actor.address()};
  st.env.metrics.active->Set(static_cast<double>(st.running.size()));
}

void try_claim(worker_pointer self);

void on_claim_reply(worker_pointer self, const std::string& payload,
                    clock::time_point asked_at, int asked) {
  auto& st = self->state;
  st.claim_in_flight = false;
  auto reply = decode<wire::claim_reply>(payload);
  if (!reply) {
    log::warn("unreadable claim reply", {{"error", reply.error().message}});
  } else {
    for (auto& job : reply->jobs)
      start_job(self, std::move(job), asked_at);
  }
  bool full_batch = reply && static_cast<int>(reply->jobs.size()) >= asked;
  if (st.claim_again || full_batch) {
    st.claim_again = false;
    try_claim(self);
  }
  maybe_finish_drain(self);
}

/// Checks the free-space floor before a claim (the claim tick makes this
/// the periodic check). Logs each change once.
bool disk_allows_claims(worker_pointer self) {
  auto& st = self->state;
  auto why = st.env.disk ? st.env.disk->check(0) : std::string{};
  if (why.empty()) {
    if (st.disk_low)
      log::info("free space above the floor again: claiming");
    st.space_news = st.space_news || st.disk_low;
    st.disk_low = false;
    return true;
  }
  if (!st.disk_low)
    log::warn("below the free-space floor: claiming nothing until space "
              "returns",
              {{"reason", why}});
  st.disk_low = true;
  return false;
}

void try_claim(worker_pointer self) {
  auto& st = self->state;
  if (st.draining)
    return;
  if (st.claim_in_flight) {
    st.claim_again = true;
    return;
  }
  int slots = free_slots(self);
  if (slots <= 0 || !disk_allows_claims(self))
    return;
  st.claim_in_flight = true;
  auto asked_at = clock::now();
  wire::claim_request req{st.opts.worker, slots, st.space_news};
  st.space_news = false;
  auto timeout = caf::timespan{st.opts.request_timeout};
  ask(
      self, st.env.bus, subjects::queue_claim, encode(req), timeout,
      [=](const std::string& payload) {
        on_claim_reply(self, payload, asked_at, slots);
      },
      [=](const caf::error&) {
        self->state.claim_in_flight = false;
        self->state.claim_again = false;
        self->state.space_news = self->state.space_news || req.disk_recovered;
        maybe_finish_drain(self);
      });
}

void apply_heartbeat_reply(worker_pointer self, const std::string& payload,
                           const std::vector<std::string>& tokens,
                           clock::time_point sent_at) {
  auto& st = self->state;
  auto doc = nlohmann::json::parse(payload, nullptr, false);
  auto reply = decode<wire::heartbeat_reply>(payload);
  if (!reply || !doc.is_object() || doc.contains("error")) {
    // Not an answer about our leases: extend nothing.
    st.env.metrics.heartbeat_failures->Increment();
    log::warn("heartbeat refused", {{"reply", payload.substr(0, 200)}});
    return;
  }
  std::map<std::string, std::string> lost;
  for (const auto& l : reply->lost)
    lost[l.id] = l.status;
  for (const auto& token : tokens) {
    auto i = st.running.find(token);
    if (i == st.running.end())
      continue;
    auto& r = i->second;
    if (auto l = lost.find(r.job.id); l != lost.end()) {
      st.env.metrics.leases_lost->Increment();
      log::warn("lease lost",
                job_fields("lease_lost", r.job.id, r.job.lease_token,
                           {{"status", l->second}}));
      r.control->mark_lost(l->second);
      continue;
    }
    int64_t lease_ms = reply->lease_ms > 0 ? reply->lease_ms : r.job.lease_ms;
    r.control->extend_lease(sent_at + milliseconds{lease_ms} -
                            lease_margin(lease_ms));
  }
}

void send_heartbeat(worker_pointer self) {
  auto& st = self->state;
  if (st.beat_in_flight || st.running.empty())
    return;
  wire::heartbeat hb;
  hb.worker = st.opts.worker;
  std::vector<std::string> tokens;
  for (const auto& [token, r] : st.running) {
    auto snap = r.control->snapshot();
    hb.jobs.push_back({r.job.id, token, snap.bytes_done, snap.bytes_total,
                       snap.speed_bps, snap.validator});
    tokens.push_back(token);
  }
  st.beat_in_flight = true;
  auto sent_at = clock::now();
  auto timeout = caf::timespan{
      std::min(st.opts.request_timeout, milliseconds{st.beat_interval_ms})};
  ask(
      self, st.env.bus, subjects::queue_heartbeat, encode(hb), timeout,
      [=](const std::string& payload) {
        self->state.beat_in_flight = false;
        if (self->state.beat_failing) {
          self->state.beat_failing = false;
          log::info("heartbeats answered again");
        }
        apply_heartbeat_reply(self, payload, tokens, sent_at);
      },
      [=](const caf::error& err) {
        auto& st = self->state;
        st.beat_in_flight = false;
        st.env.metrics.heartbeat_failures->Increment();
        if (!st.beat_failing) {
          st.beat_failing = true;
          log::warn("heartbeat unanswered", {{"error", caf::to_string(err)}});
        }
      });
}

int64_t shortest_lease(worker_pointer self) {
  int64_t out = default_lease_ms;
  bool any = false;
  for (const auto& [token, r] : self->state.running) {
    out = any ? std::min(out, r.job.lease_ms) : r.job.lease_ms;
    any = true;
  }
  return out;
}

void on_control(worker_pointer self, const bus_message& msg) {
  auto ctl = decode<wire::job_control>(msg.payload);
  if (!ctl)
    return;
  // The subject names the job; the payload's id must agree.
  if (!ctl->id.empty() && msg.subject != subjects::job_control(ctl->id))
    return;
  auto id = ctl->id;
  stop_reason reason = ctl->action == "pause"    ? stop_reason::pause
                       : ctl->action == "cancel" ? stop_reason::cancel
                                                 : stop_reason::none;
  if (reason == stop_reason::none)
    return;
  for (auto& [token, r] : self->state.running)
    if (r.job.id == id) {
      log::info("job control", job_fields("control", id, r.job.lease_token,
                                          {{"action", ctl->action}}));
      r.control->request_stop(reason);
    }
}

/// Applies a provider config message: bandwidth limits act on running
/// downloads at once, connection counts on the next plan.
void apply_provider_config(worker_pointer self, const std::string& payload) {
  auto parsed = parse_provider_config(payload);
  if (!parsed) {
    log::warn("unreadable provider config",
              {{"error", parsed.error().message}});
    return;
  }
  nlohmann::json applied = nlohmann::json::array();
  for (const auto& p : *parsed)
    applied.push_back({{"name", p.name},
                       {"bandwidth_limit_bps", p.bandwidth_limit_bps},
                       {"max_connections", p.max_connections}});
  self->state.env.providers->apply(*parsed);
  log::info("provider config applied", {{"providers", applied}});
}

void ask_provider_config(worker_pointer self) {
  ask(
      self, self->state.env.bus, provider_config_request, "{}",
      caf::timespan{self->state.opts.request_timeout},
      [=](const std::string& payload) {
        auto doc = nlohmann::json::parse(payload, nullptr, false);
        if (doc.is_object() && doc.contains("error"))
          log::info("no provider config answered; using defaults",
                    {{"error", doc["error"]}});
        else
          apply_provider_config(self, payload);
      },
      [=](const caf::error& err) {
        log::info("no provider config answered; using defaults",
                  {{"error", caf::to_string(err)}});
      });
}

void on_job_down(worker_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  for (auto i = st.running.begin(); i != st.running.end(); ++i)
    if (i->second.actor == down.source) {
      st.running.erase(i);
      break;
    }
  st.env.metrics.active->Set(static_cast<double>(st.running.size()));
  maybe_finish_drain(self);
  try_claim(self);
}

worker_actor::behavior_type worker(worker_pointer self, downloader_options opts,
                                   job_env env) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.env = std::move(env);
  self->set_down_handler([=](caf::down_msg& down) { on_job_down(self, down); });
  // No queue group: every worker hears every message.
  subscribe(self, st.env.bus, subjects::jobs_available);
  subscribe(self, st.env.bus, subjects::job_control_all);
  if (st.env.providers) {
    subscribe(self, st.env.bus, providers_config_subject);
    ask_provider_config(self);
  }
  self->link_to(
      spawn_discard(self->system(), st.env.bus, st.opts.library_root));
  self->send(self, tick_atom::value);
  schedule_beat(self, default_lease_ms / 3);
  return {
      [=](drain_atom) -> caf::result<bool> {
        auto& st = self->state;
        st.draining = true;
        st.drain_deadline =
            clock::now() + st.opts.shutdown_grace - lease_margin(0);
        for (auto& [token, r] : st.running) {
          r.control->set_shutdown_deadline(st.drain_deadline);
          r.control->request_stop(stop_reason::drain);
        }
        log::info("draining", {{"jobs", st.running.size()}});
        if (st.running.empty() && !st.claim_in_flight)
          return true;
        st.drain_promise = self->make_response_promise<bool>();
        st.drain_pending = true;
        self->delayed_send(self, st.opts.shutdown_grace - milliseconds{500},
                           timeout_atom::value);
        return st.drain_promise;
      },
      [=](const bus_message& msg) {
        if (msg.subject == subjects::jobs_available)
          try_claim(self);
        else if (msg.subject == providers_config_subject)
          apply_provider_config(self, msg.payload);
        else
          on_control(self, msg);
      },
      [=](tick_atom) {
        try_claim(self);
        self->delayed_send(self, self->state.opts.claim_interval,
                           tick_atom::value);
      },
      [=](beat_atom, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.beat_generation)
          return;
        send_heartbeat(self);
        schedule_beat(self, shortest_lease(self) / 3);
      },
      [=](timeout_atom) {
        auto& st = self->state;
        if (st.drain_pending) {
          log::warn("drain deadline reached", {{"jobs", st.running.size()}});
          st.drain_pending = false;
          st.drain_promise.deliver(true);
        }
      },
  };
}

} // namespace

std::chrono::milliseconds lease_margin(int64_t lease_ms) {
  return milliseconds{std::max<int64_t>(lease_ms / 6, 1'000)};
}

worker_actor spawn_worker(caf::actor_system& sys, downloader_options opts,
                          job_env env) {
  return sys.spawn(worker, std::move(opts), std::move(env));
}

} // namespace kumo::downloader
