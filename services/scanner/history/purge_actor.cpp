// The task `purge` of the scanner: a detached actor that follows the
// "history" section of the runtime configuration and, for each run the
// scheduler hands it, asks the queue to delete its old history batch by
// batch (kumo.queue.cmd.purge), reports progress on kumo.progress.system,
// deletes the scanner's own old scan records, and tells the scheduler what
// it removed.

#include "actors.hpp"
#include "history/history_settings.hpp"
#include "history/purge_metrics.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/config_subjects.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "kumo/wire.hpp"

#include <caf/all.hpp>
#include <pqxx/pqxx>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

constexpr auto config_timeout = std::chrono::seconds(5);
constexpr auto queue_timeout = std::chrono::seconds(30);
constexpr std::int64_t batch = 500;
/// Queue requests of one run at most (batch * this rows of each kind).
constexpr int max_requests = 10'000;

struct purge_state {
  static inline const char* name = "kumo.scanner.purge";
  std::string database_url;
  bus_actor bus;
  caf::actor tasks;
  history_settings settings;
  bool configured = false; ///< a gateway answered, or a change arrived
  bool running = false;
  bool stopping = false;
  std::string task;
  purge_totals totals;
  std::shared_ptr<purge_metrics> metrics;
  std::chrono::steady_clock::time_point began;
};

using pointer = caf::stateful_actor<purge_state>*;

void apply(pointer self, const std::string& text, const char* origin) {
  auto& st = self->state;
  auto next = apply_history(json::parse(text, nullptr, false), st.settings);
  if (!next) {
    log::warn("history settings ignored", {{"from", origin},
                                           {"field", next.error().field},
                                           {"error", next.error().message}});
    return;
  }
  bool first = !st.configured;
  st.configured = true;
  if (first || next->purge_interval_s != st.settings.purge_interval_s)
    self->send(st.tasks, task_every_atom::value, std::string("purge"),
               next->purge_interval_s);
  if (!(*next == st.settings))
    log::info("history settings applied",
              {{"keep_days", next->keep_days},
               {"purge_interval_s", next->purge_interval_s}});
  st.settings = *next;
}

void publish_progress(pointer self, const std::string& status,
                      const std::string& message) {
  const auto& t = self->state.totals;
  wire::progress_update u;
  u.id = "task:purge";
  u.kind = "system";
  u.status = status;
  u.title = "History purge";
  u.message = message;
  u.current = t.items + t.events + t.deliveries + t.scans;
  u.metadata = t.summary(self->state.settings);
  self->send(self->state.bus, publish_atom::value, subjects::progress("system"),
             json(u).dump());
}

/// Counts the run that ends now with `outcome` in the metrics.
void count_run(purge_state& st, const char* outcome) {
  std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - st.began;
  std::chrono::duration<double> now =
      std::chrono::system_clock::now().time_since_epoch();
  st.metrics->run_ended(outcome, st.totals, took.count(), now.count());
}

void finish(pointer self, const char* outcome, const std::string& error) {
  auto& st = self->state;
  st.running = false;
  count_run(st, outcome);
  publish_progress(self, error.empty() ? "completed" : "failed",
                   error.empty() ? "history purged" : error);
  log::info(
      "history purge ended",
      {{"outcome", outcome}, {"removed", st.totals.summary(st.settings)}});
  self->send(st.tasks, task_done_atom::value, st.task, std::string(outcome),
             st.totals.summary(st.settings).dump(), error);
}

/// The scanner's finished scan records older than the cutoff, in batches;
/// the latest finished scan stays, however old (the status shows it).
/// Blocks on the database: this actor is detached.
std::int64_t purge_scans(const std::string& url, std::int64_t keep_s) {
  pqxx::connection db(url);
  std::int64_t total = 0;
  for (std::int64_t n = batch; n == batch;) {
    pqxx::work w(db);
    n = w.exec_params("WITH old AS (SELECT id FROM scanner_scans"
                      " WHERE state <> 'running'"
                      "   AND finished_at < now() - make_interval(secs => $1)"
                      "   AND finished_at < (SELECT max(finished_at)"
                      "     FROM scanner_scans WHERE state <> 'running')"
                      " LIMIT $2),"
                      " gone AS (DELETE FROM scanner_scans s USING old"
                      "   WHERE s.id = old.id RETURNING 1)"
                      " SELECT count(*) FROM gone",
                      static_cast<double>(keep_s), batch)[0][0]
            .as<std::int64_t>();
    w.commit();
    total += n;
  }
  return total;
}

void scanner_side(pointer self) {
  auto& st = self->state;
  try {
    st.totals.scans = purge_scans(st.database_url, st.settings.keep().count());
  } catch (const std::exception& e) {
    return finish(self, "failed",
                  std::string("scan records not purged: ") + e.what());
  }
  finish(self, "complete", "");
}

void step(pointer self) {
  auto& st = self->state;
  if (st.stopping)
    return finish(self, "cancelled", "the scanner is stopping");
  ask(
      self, st.bus, subjects::queue_cmd("purge"),
      purge_request(st.settings, batch).dump(), queue_timeout,
      [=](const std::string& answer) {
        auto& st = self->state;
        auto more = st.totals.add_reply(json::parse(answer, nullptr, false));
        if (!more)
          return finish(self, "failed", more.error().message);
        publish_progress(self, "in_progress", "purging queue history");
        if (*more && st.totals.requests < max_requests)
          return step(self);
        scanner_side(self);
      },
      [=](const caf::error& err) {
        finish(self, "failed", "the queue did not answer: " + message_of(err));
      });
}

void begin(pointer self) {
  auto& st = self->state;
  publish_progress(self, "started",
                   "purging history older than " +
                       std::to_string(st.settings.keep_days) + " days");
  step(self);
}

/// A run: with the configuration known (asked again when no gateway has
/// answered yet, so a default never replaces a stored keep_days).
void start(pointer self, const std::string& name) {
  auto& st = self->state;
  auto refuse = [&](const char* outcome, const std::string& why) {
    self->send(st.tasks, task_done_atom::value, name, std::string(outcome),
               std::string("{}"), why);
  };
  if (st.running)
    return refuse("skipped", "a purge runs already");
  if (st.stopping)
    return refuse("skipped", "the scanner is stopping");
  st.running = true;
  st.task = name;
  st.totals = {};
  st.began = std::chrono::steady_clock::now();
  if (st.configured)
    return begin(self);
  ask(
      self, st.bus, subjects::config_current, std::string{}, config_timeout,
      [=](const std::string& doc) {
        apply(self, doc, "gateway");
        begin(self);
      },
      [=](const caf::error& err) {
        self->state.running = false;
        count_run(self->state, "failed");
        self->send(self->state.tasks, task_done_atom::value, name,
                   std::string("failed"), std::string("{}"),
                   "no gateway answered with the configuration (" +
                       message_of(err) + "); nothing was purged");
      });
}

caf::behavior purge_task(pointer self, std::string database_url, bus_actor bus,
                         caf::actor tasks,
                         std::shared_ptr<purge_metrics> metrics) {
  auto& st = self->state;
  st.metrics = std::move(metrics);
  st.database_url = std::move(database_url);
  st.bus = std::move(bus);
  st.tasks = std::move(tasks);
  subscribe(self, st.bus, std::string{subjects::config_changed});
  ask(
      self, st.bus, subjects::config_current, std::string{}, config_timeout,
      [=](const std::string& doc) { apply(self, doc, "gateway"); },
      [](const caf::error& err) {
        log::info("history settings: no gateway answered yet",
                  {{"reason", message_of(err)}});
      });
  return {
      [=](const bus_message& msg) {
        apply(self, msg.payload, subjects::config_changed);
      },
      [=](run_task_atom, const std::string& name) { start(self, name); },
      [=](drain_atom) { self->state.stopping = true; },
  };
}

} // namespace

caf::actor spawn_purge_task(caf::actor_system& sys, std::string database_url,
                            bus_actor bus, caf::actor tasks,
                            std::shared_ptr<purge_metrics> metrics) {
  return sys.spawn<caf::detached>(purge_task, std::move(database_url),
                                  std::move(bus), std::move(tasks),
                                  std::move(metrics));
}

} // namespace kumo::scanner
