#pragma once

// Internals of the queue service actor shared by its translation units:
// its state, running commands on the stores, and publishing what a
// committed transaction decided (queue_actor.cpp), used by the resolution
// of bare references (queue_resolve.cpp).

#include "actors.hpp"
#include "queue_metrics.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace kumo::queue::service {

using steady = std::chrono::steady_clock;

struct queue_state {
  static inline const char* name = "kumo.queue";

  queue_settings cfg;
  std::vector<store_actor> stores;
  std::vector<int> store_load; ///< requests in flight per store
  bus_actor bus;
  std::unique_ptr<queue_metrics> metrics;
  bool draining = false;
  int inflight = 0;
  caf::typed_response_promise<bool> drained;
  bool drain_waiting = false;
  bool reaping = false;
  bool reaper_failing = false; ///< log a failing reaper once, not every pass
  steady::time_point last_announce{};
  bool flush_scheduled = false;
  std::string flush_action;
  std::set<std::string> discards_in_flight;
};

using pointer = queue_actor::stateful_pointer<queue_state>;

/// JSON text; invalid UTF-8 replaced.
std::string dump(const nlohmann::json& j);

void publish(pointer self, const std::string& subject, std::string payload);

/// Answers `true` to a waiting drain once nothing is in flight.
void maybe_drained(pointer self);

/// The store with the fewest requests in flight (a store stuck in a lock
/// wait does not hold up the others).
size_t pick_store(pointer self);

/// Runs `cmd` on store `index` and hands the outcome to `on_value` or the
/// error to `on_error`, keeping the in-flight counts for drain and balancing.
template <class OnValue, class OnError>
void run_on_store(pointer self, size_t index, command cmd, OnValue on_value,
                  OnError on_error) {
  auto& st = self->state;
  auto deadline = steady::now() + st.cfg.store_timeout;
  auto deadline_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         deadline.time_since_epoch())
                         .count();
  ++st.inflight;
  ++st.store_load[index];
  self->request(st.stores[index],
                st.cfg.store_timeout + std::chrono::seconds(1),
                execute_atom::value, std::move(cmd),
                static_cast<int64_t>(deadline_ns))
      .then(
          [=](outcome& out) mutable {
            --self->state.inflight;
            --self->state.store_load[index];
            on_value(out);
            maybe_drained(self);
          },
          [=](const caf::error& err) mutable {
            --self->state.inflight;
            --self->state.store_load[index];
            on_error(err);
            maybe_drained(self);
          });
}

/// Runs `cmd` and answers `reply_to` ("": nobody) after the commit.
void submit(pointer self, command cmd, const std::string& reply_to);

/// Logs each step of a job's story that a committed transaction made.
void log_journal(const std::vector<job_note>& journal);

/// Publishes what a committed transaction decided.
void apply(pointer self, const effects& fx, const std::string& action);

// -- bare references (queue_resolve.cpp) --------------------------------------

/// cmd.add with bare references: submitted only when the series' provider
/// can name their sources later; otherwise answered with the refusal.
void check_then_add(pointer self, const add_command& add,
                    const std::string& reply_to);

/// Answers a claim; its bare references are resolved first (the scanner
/// names their sources, the store checks and keeps them).
void answer_claim(pointer self, const nlohmann::json& reply,
                  const std::string& reply_to);

} // namespace kumo::queue::service
