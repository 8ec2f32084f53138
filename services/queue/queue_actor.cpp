// The queue service actor: runs requests on the stores, the reaper, and
// publishes after commits (bare references: queue_resolve.cpp).

#include "episode_resolve.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/job_trace.hpp"
#include "kumo/log.hpp"
#include "kumo/metrics.hpp"
#include "kumo/subjects.hpp"
#include "queue_actor_state.hpp"
#include "queue_edge.hpp"

#include <algorithm>

namespace kumo::queue::service {

namespace {

/// The contract's error codes; timeouts count as unavailable, and SQL
/// details stay in the log.
wire::error_reply to_reply(const caf::error& err) {
  auto code = code_of(err);
  switch (code) {
  case errc::invalid_argument:
  case errc::not_found:
  case errc::conflict:
    return {to_string(code), message_of(err)};
  case errc::unavailable:
    return {"unavailable", "database unavailable"};
  case errc::timeout:
    return {"unavailable", "the queue store did not answer in time"};
  default:
    return {"internal", "internal error"};
  }
}

void reply_error(pointer self, const std::string& to,
                 const wire::error_reply& e) {
  if (!to.empty())
    publish(self, to, dump(nlohmann::json{{"error", e}}));
}

void announce(pointer self, int64_t claimable) {
  auto& st = self->state;
  st.last_announce = steady::now();
  st.metrics->announcements->Increment();
  publish(self, subjects::jobs_available, dump({{"pending", claimable}}));
}

void schedule_flush(pointer self, const std::string& action) {
  auto& st = self->state;
  st.flush_action = action;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  self->delayed_send(self, st.cfg.flush_delay, flush_atom::value);
}

void send_discard(pointer self, const wire::discard_request& d) {
  auto& st = self->state;
  if (!st.discards_in_flight.insert(d.id).second)
    return;
  auto deadline = st.cfg.discard_timeout;
  ask(
      self, st.bus, subjects::discard_partial, encode(d), deadline,
      [=](const std::string& answer) {
        self->state.discards_in_flight.erase(d.id);
        auto doc = nlohmann::json::parse(answer, nullptr, false);
        if (doc.is_object() && doc.value("ok", false) == true &&
            !self->state.draining)
          submit(self, command{discard_done_command{d.id}}, "");
      },
      [=](const caf::error&) {
        // Nobody answered: the reaper sends it again later.
        self->state.discards_in_flight.erase(d.id);
      });
}

/// Publishes the provider changes a committed transaction made.
void apply_providers(pointer self, const effects& fx) {
  auto& m = *self->state.metrics;
  for (const auto& s : fx.samples)
    m.count_source(s.provider, s.ok, s.response_ms, s.bytes);
  for (const auto& provider : fx.failovers)
    m.count_failover(provider);
  for (const auto& [provider, value] : fx.breaker_gauges)
    m.set_breaker(provider, value);
  for (const auto& b : fx.breakers) {
    log::info("provider breaker moved",
              {{"provider", b.provider}, {"state", b.state}});
    publish(self, subjects::provider_breaker,
            dump({{"provider", b.provider}, {"state", b.state}}));
  }
  if (fx.provider_config)
    publish(self, subjects::providers_config, dump(*fx.provider_config));
}

} // namespace

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void publish(pointer self, const std::string& subject, std::string payload) {
  self->send(self->state.bus, publish_atom::value, subject, std::move(payload));
}

void maybe_drained(pointer self) {
  auto& st = self->state;
  if (st.draining && st.inflight == 0 && st.drain_waiting) {
    st.drain_waiting = false;
    st.drained.deliver(true);
  }
}

size_t pick_store(pointer self) {
  const auto& load = self->state.store_load;
  return static_cast<size_t>(std::min_element(load.begin(), load.end()) -
                             load.begin());
}

/// Logs each step of a job's story that a committed transaction made. Runs
/// before the reply goes out, so that a worker's line about the answer never
/// precedes the queue's line about the request.
void log_journal(const std::vector<job_note>& journal) {
  for (const auto& note : journal)
    log::write(
        note.routine ? log::level::debug : log::level::info,
        "job " + note.event,
        job_fields(note.event, note.item, note.lease_token, note.detail));
}

/// Publishes what a committed transaction decided.
void apply(pointer self, const effects& fx, const std::string& action) {
  auto& st = self->state;
  for (const auto& c : fx.controls)
    publish(self, subjects::job_control(c.id), encode(c));
  for (const auto& change : fx.lifecycle)
    publish(self, subjects::progress("download"),
            encode(download_update(change)));
  if (fx.claimable > 0)
    announce(self, fx.claimable);
  if (fx.queue_changed)
    schedule_flush(self, action);
  for (const auto& d : fx.discards)
    send_discard(self, d);
  st.metrics->claimed_jobs->Increment(fx.claimed_jobs);
  st.metrics->retries->Increment(fx.retries_scheduled);
  st.metrics->lease_expirations->Increment(fx.lease_expirations);
  st.metrics->poisoned->Increment(fx.poisoned);
  if (fx.poisoned > 0)
    log::warn("items failed: their leases kept expiring",
              {{"count", fx.poisoned}});
  if (fx.stale_report)
    st.metrics->stale_reports->Increment();
  if (fx.counts)
    st.metrics->set_items(*fx.counts);
  apply_providers(self, fx);
}

void submit(pointer self, command cmd, const std::string& reply_to) {
  auto action = action_name(cmd);
  bool is_claim = std::holds_alternative<wire::claim_request>(cmd);
  auto started = steady::now();
  auto* m = self->state.metrics.get();
  run_on_store(
      self, pick_store(self), std::move(cmd),
      [=](outcome& out) {
        if (is_claim) {
          m->claims->Increment();
          m->claim_seconds->Observe(
              std::chrono::duration<double>(steady::now() - started).count());
        }
        log_journal(out.fx.journal);
        if (is_claim)
          answer_claim(self, out.reply, reply_to);
        else if (!reply_to.empty())
          publish(self, reply_to, dump(out.reply));
        apply(self, out.fx, action);
      },
      [=](const caf::error& err) {
        if (is_claim)
          m->claims->Increment();
        auto reply = to_reply(err);
        if (reply.code == "unavailable" || reply.code == "internal")
          log::warn("queue command failed",
                    {{"command", action}, {"error", reply.message}});
        reply_error(self, reply_to, reply);
      });
}

namespace {

void on_request(pointer self, queue_request& req) {
  if (self->state.draining)
    return; // another replica answers, or the requester retries
  if (auto* add = std::get_if<add_command>(&req.cmd);
      add && first_unresolved(*add) >= 0)
    return check_then_add(self, *add, req.reply_to);
  submit(self, std::move(req.cmd), req.reply_to);
}

void on_reaped(pointer self, outcome& out, steady::time_point now) {
  auto& st = self->state;
  auto claimable = out.fx.claimable;
  out.fx.claimable = -1;
  log_journal(out.fx.journal);
  apply(self, out.fx, "lease_expired");
  bool fresh = out.fx.lease_expirations > 0 || out.fx.newly_due > 0;
  if (claimable > 0 &&
      (fresh || now - st.last_announce >= st.cfg.announce_interval))
    announce(self, claimable);
}

void reap(pointer self) {
  auto& st = self->state;
  if (st.reaping || st.draining)
    return;
  st.reaping = true;
  run_on_store(
      self, 0, command{reap_command{}},
      [=](outcome& out) {
        auto& st = self->state;
        st.reaping = false;
        if (st.reaper_failing)
          log::info("reaper passes work again");
        st.reaper_failing = false;
        on_reaped(self, out, steady::now());
      },
      [=](const caf::error& err) {
        auto& st = self->state;
        st.reaping = false;
        if (!st.reaper_failing)
          log::warn("reaper pass failed", {{"error", to_reply(err).message}});
        st.reaper_failing = true;
      });
}

void flush(pointer self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.draining)
    return;
  auto action = st.flush_action;
  run_on_store(
      self, pick_store(self), command{snapshot_command{}},
      [=](outcome& out) {
        if (!out.fx.counts || !out.fx.flags)
          return;
        publish(self, subjects::progress("queue"),
                encode(queue_update(action, *out.fx.counts, *out.fx.flags)));
        self->state.metrics->set_items(*out.fx.counts);
      },
      [](const caf::error&) {
        // nop: the next change publishes again
      });
}

queue_actor::behavior_type queue_service(pointer self, queue_settings cfg,
                                         std::vector<store_actor> stores,
                                         bus_actor bus, kumo::metrics* m) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.stores = std::move(stores);
  st.store_load.assign(st.stores.size(), 0);
  st.bus = std::move(bus);
  st.metrics = std::make_unique<queue_metrics>(*m);
  spawn_queue_edge(self, st.cfg, st.bus, caf::actor_cast<queue_actor>(self));
  self->send(self, tick_atom::value);
  self->attach_functor([stores = self->state.stores] {
    for (const auto& s : stores)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  });
  return {
      [=](queue_request& req) { on_request(self, req); },
      [=](drain_atom) -> caf::result<bool> {
        auto& st = self->state;
        st.draining = true;
        if (st.inflight == 0)
          return true;
        st.drained = self->make_response_promise<bool>();
        st.drain_waiting = true;
        return st.drained;
      },
      [=](tick_atom) {
        self->delayed_send(self, self->state.cfg.reap_interval,
                           tick_atom::value);
        reap(self);
      },
      [=](flush_atom) { flush(self); },
  };
}

} // namespace

} // namespace kumo::queue::service

namespace kumo::queue {

queue_actor spawn_queue(caf::actor_system& sys, queue_settings cfg,
                        std::vector<store_actor> stores, bus_actor bus,
                        kumo::metrics& m) {
  return sys.spawn(service::queue_service, std::move(cfg), std::move(stores),
                   std::move(bus), &m);
}

} // namespace kumo::queue
