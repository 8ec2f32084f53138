// The scanner service actor: the bus edge of kumo.scanner.cmd.*, the scan
// schedule and draining.

#include "actors.hpp"
#include "catalog/replies.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/config_subjects.hpp"
#include "kumo/local_addresses.hpp"
#include "kumo/log.hpp"
#include "kumo/storage_subjects.hpp"
#include "kumo/subjects.hpp"
#include "retention/retention_actor.hpp"
#include "retention/retention_run.hpp"
#include "scanner_metrics.hpp"

#include <caf/all.hpp>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

using usage_atom = caf::atom_constant<caf::atom("usage")>;

constexpr caf::timespan catalog_timeout = std::chrono::seconds(30);
/// How long the retention task waits for the configuration (a gateway).
constexpr caf::timespan config_timeout = std::chrono::seconds(5);
/// The library's usage is published at least this often.
constexpr auto usage_every = std::chrono::seconds(30);

struct scanner_state {
  static inline const char* name = "kumo.scanner";
  scanner_settings cfg;
  scan_context ctx;
  catalog_actor catalog;
  caf::actor feeds;   ///< refresh and download requests
  caf::actor monitor; ///< the monitor's rounds (may block for long)
  bool scanning = false;
  bool draining = false;
  bool watch_pending = false; ///< a watch batch came during a scan
  caf::actor tasks;
  caf::actor purge;      ///< runs the task `purge`
  std::string task_scan; ///< the task whose scan runs now, "" for none
  caf::response_promise drained;
};

using pointer = caf::stateful_actor<scanner_state>*;

void answer(pointer self, const std::string& reply_to, std::string body) {
  if (!reply_to.empty())
    self->send(self->state.ctx.bus, publish_atom::value, reply_to,
               std::move(body));
}

void start_scan(pointer self, const std::string& key,
                const std::string& reply_to, bool on_demand,
                const char* kind = nullptr, std::string reply_body = {});

/// The scan running here is not recorded yet (just starting) or no longer
/// (just ended): asks again shortly, so the rescan is answered with a scan
/// object, never with null.
void retry_rescan(pointer self, const std::string& key,
                  const std::string& reply_to) {
  bus_message again;
  again.subject = "kumo.scanner.cmd.rescan";
  again.payload = key.empty() ? "{}" : json{{"key", key}}.dump();
  again.reply = reply_to;
  self->delayed_send(self, std::chrono::milliseconds(50), std::move(again));
}

/// Starts a scan unless one runs here already; then answers the running
/// scan, as another replica does for the roots it holds.
void start_scan(pointer self, const std::string& key,
                const std::string& reply_to, bool on_demand, const char* kind,
                std::string reply_body) {
  auto& st = self->state;
  if (st.draining)
    return answer(self, reply_to,
                  error_body(errc::unavailable, "", "the scanner is stopping"));
  if (st.scanning) {
    scanner_request status;
    status.kind = op::scan_status;
    self->request(st.catalog, catalog_timeout, execute_atom::value, status)
        .then(
            [=](const std::string& body) {
              auto doc = json::parse(body, nullptr, false);
              if (doc.is_object() && doc.contains("current") &&
                  doc["current"].is_null() && !reply_to.empty())
                return retry_rescan(self, key, reply_to);
              answer(self, reply_to,
                     doc.is_object() && doc.contains("current")
                         ? json{{"scan", doc["current"]}}.dump()
                         : body);
            },
            [=](const caf::error& err) {
              answer(self, reply_to, error_body(err));
            });
    return;
  }
  st.scanning = true;
  scan_spec spec;
  spec.kind = kind ? kind : key.empty() ? "full" : "series";
  spec.key = key;
  spec.owner = st.cfg.instance;
  spec.roots = st.cfg.config.roots;
  spec.compare_all = on_demand;
  spec.auto_add = st.cfg.config.auto_add;
  spawn_scan(self->system(), caf::actor_cast<caf::actor>(self), st.ctx,
             std::move(spec), reply_to, std::move(reply_body));
}

/// A series added with its folder on disk gets its files at once (`scan`):
/// the add is answered once that scan is recorded, so a client that waits
/// for no running scan after the add sees the series with its files. One
/// with a provider (site rss or direct, and a link) gets its episode
/// listing.
void after_add(pointer self, const std::string& body,
               const std::string& reply_to, bool scan) {
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("key") || !doc["key"].is_string())
    return answer(self, reply_to, body);
  auto key = doc["key"].get<std::string>();
  auto site = doc.value("site", std::string());
  if ((site == "rss" || site == "direct") &&
      !doc.value("link", std::string()).empty())
    self->send(self->state.feeds, refresh_atom::value, key, std::string());
  if (scan && !self->state.scanning && !self->state.draining)
    return start_scan(self, key, reply_to, true, nullptr, body);
  answer(self, reply_to, body);
}

/// Series imported from legacy data files get their files by a scan.
void after_import(pointer self, const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("imported") &&
      doc["imported"].is_array() && !doc["imported"].empty() &&
      !self->state.scanning)
    start_scan(self, "", "", false);
}

/// The import at start, on the catalog actor (detached), logged with its
/// counts when any root holds a data file; the first scan follows it, so
/// imported series get their files at once.
void import_at_start(pointer self) {
  scanner_request req;
  req.kind = op::import_legacy;
  self->request(self->state.catalog, catalog_timeout, execute_atom::value, req)
      .then(
          [=](const std::string& body) {
            auto doc = json::parse(body, nullptr, false);
            if (!doc.is_object() || doc.contains("error")) {
              log::warn("legacy import failed", {{"reply", body}});
              return self->send(self, tick_atom::value);
            }
            json counts;
            std::size_t total = 0;
            for (const auto& [k, v] : doc.items()) {
              counts[k] = v.size();
              total += v.size();
            }
            if (total > 0)
              log::info("legacy import", counts);
            self->send(self, tick_atom::value);
          },
          [=](const caf::error& err) {
            log::warn("legacy import failed", {{"error", message_of(err)}});
            self->send(self, tick_atom::value);
          });
}

/// Publishes the library's used bytes (kumo.library.usage) for the queue's
/// storage gate.
void publish_usage(pointer self) {
  scanner_request req;
  req.kind = op::usage;
  self->request(self->state.catalog, catalog_timeout, execute_atom::value, req)
      .then(
          [=](const std::string& body) {
            if (body.find("\"error\"") == std::string::npos)
              self->send(self->state.ctx.bus, publish_atom::value,
                         std::string(subjects::library_usage), body);
          },
          [](const caf::error& err) {
            log::warn("library usage not read", {{"error", message_of(err)}});
          });
}

/// The retention task: reads the storage settings from a gateway (none
/// answering: retention rules only, no eviction), then runs on a thread of
/// its own.
void start_retention(pointer self, const std::string& name) {
  auto& st = self->state;
  auto run = [=](storage_limits limits) {
    auto& s = self->state;
    spawn_retention(self->system(), s.cfg.database_url, s.cfg.config.roots,
                    limits, s.tasks, s.ctx.bus);
  };
  self->request(st.ctx.bus, config_timeout + std::chrono::seconds(1),
                request_atom::value, std::string(subjects::config_current),
                std::string(), config_timeout)
      .then(
          [=](const std::string& doc) {
            run(limits_from_config(json::parse(doc, nullptr, false)));
          },
          [=](const caf::error& err) {
            log::info("retention without the storage settings",
                      {{"task", name}, {"reason", message_of(err)}});
            run(storage_limits{});
          });
}

/// After a scan (new or removed files): the usage, and the retention rules
/// applied to what the scan found (through the scheduler, one run at a
/// time across replicas).
void after_scan(pointer self) {
  publish_usage(self);
  bus_message run;
  run.subject = "kumo.scanner.cmd.task_run";
  run.payload = R"({"name":"retention"})";
  self->send(self->state.tasks, std::move(run));
}

/// Runs the task `name` claimed by the scheduler; its end goes back to it.
void run_task(pointer self, const std::string& name) {
  auto& st = self->state;
  auto done = [&](const char* outcome, const std::string& error) {
    self->send(st.tasks, task_done_atom::value, name, std::string(outcome),
               std::string("{}"), error);
  };
  if (name == "monitor_check")
    return self->send(st.monitor, monitor_atom::value, name,
                      caf::actor_cast<caf::actor>(st.tasks));
  if (name == "purge")
    return self->send(st.purge, run_task_atom::value, name);
  if (name != "rescan" && name != "retention")
    return done("failed", "this scanner cannot run task '" + name + "'");
  if (st.draining)
    return done("skipped", "the scanner is stopping");
  if (name == "retention")
    return start_retention(self, name);
  if (st.scanning)
    return done("skipped", "a scan was running already");
  st.task_scan = name;
  start_scan(self, "", "", false);
}

/// A batch of changes from a live watch: one incremental scan of kind
/// "watch"; batches that come while a scan runs are coalesced into one
/// scan after it.
void on_watch(pointer self) {
  auto& st = self->state;
  if (st.draining)
    return;
  if (st.scanning) {
    st.watch_pending = true;
    return;
  }
  st.watch_pending = false;
  start_scan(self, "", "", false, "watch");
}

void handle(pointer self, const bus_message& msg) {
  static const std::string prefix = "kumo.scanner.cmd.";
  auto op_name = msg.subject.substr(prefix.size());
  if (op_name == "tasks" || op_name == "task_run")
    return self->send(self->state.tasks, msg); // the scheduler answers
  request_error bad;
  auto req = parse_request(op_name, msg.payload, bad);
  if (!req)
    return answer(self, msg.reply,
                  error_body(errc::invalid_argument, bad.field, bad.message));
  if (req->kind == op::rescan)
    return start_scan(self, req->key, msg.reply, true);
  if (req->kind == op::refresh)
    return self->send(self->state.feeds, refresh_atom::value, req->key,
                      msg.reply);
  if (req->kind == op::download)
    return self->send(self->state.feeds, download_atom::value, *req, msg.reply);
  bool listing_changed =
      req->kind == op::series_update && (req->fields.site || req->fields.link);
  auto kind = req->kind;
  auto reply_to = msg.reply;
  self->request(self->state.catalog, catalog_timeout, execute_atom::value,
                std::move(*req))
      .then(
          [=](const std::string& body) {
            if (kind == op::series_add)
              return after_add(self, body, reply_to, true);
            answer(self, reply_to, body);
            if (listing_changed)
              after_add(self, body, "", false);
            if (kind == op::import_legacy)
              after_import(self, body);
          },
          [=](const caf::error& err) {
            answer(self, reply_to, error_body(err));
          });
}

caf::behavior scanner(pointer self, scanner_settings cfg, const bus_actor& bus,
                      std::shared_ptr<scanner_metrics> metrics) {
  auto& st = self->state;
  st.catalog =
      spawn_catalog(self->system(), cfg.database_url, cfg.config.roots);
  self->link_to(st.catalog);
  st.ctx = {cfg.database_url, bus, std::move(metrics),
            std::make_shared<scan_memory>(),
            std::make_shared<std::atomic<bool>>(false)};
  feeds_settings feeds{cfg.database_url,
                       bus,
                       std::make_shared<const address_policy>(
                           cfg.config.fetch_allow,
                           cached_interface_addresses(std::chrono::seconds(1))),
                       cfg.config.monitor_interval,
                       cfg.config.feed_timeout,
                       st.ctx.metrics};
  st.feeds = spawn_feeds(self->system(), feeds);
  st.monitor = spawn_feeds(self->system(), feeds);
  self->link_to(st.feeds);
  self->link_to(st.monitor);
  if (cfg.config.monitor_interval.count() > 0)
    self->send(st.monitor, monitor_atom::value);
  st.cfg = std::move(cfg);
  st.tasks =
      spawn_tasks(self->system(), st.cfg.database_url,
                  scanner_tasks(st.cfg.config.scan_interval), st.cfg.instance,
                  bus, caf::actor_cast<caf::actor>(self));
  self->link_to(st.tasks);
  st.purge = spawn_purge_task(self->system(), st.cfg.database_url, bus,
                              st.tasks, st.ctx.metrics->purge);
  self->link_to(st.purge);
  subscribe(self, bus, subjects::scanner_cmd_all, subjects::scanner_group);
  if (st.cfg.config.watch)
    for (const auto& root : st.cfg.config.roots.all())
      spawn_watch(self->system(), caf::actor_cast<caf::actor>(self), root,
                  st.ctx.stop);
  import_at_start(self);
  self->send(self, usage_atom::value);
  return {
      [=](const bus_message& msg) { handle(self, msg); },
      [=](tick_atom) {
        auto& s = self->state;
        if (!s.scanning && !s.draining)
          start_scan(self, "", "", false);
      },
      [=](run_task_atom, const std::string& name) { run_task(self, name); },
      [=](usage_atom) {
        publish_usage(self);
        if (!self->state.draining)
          self->delayed_send(self, usage_every, usage_atom::value);
      },
      [=](scan_done_atom, const std::string& outcome, const std::string& scan) {
        auto& s = self->state;
        s.scanning = false;
        if (!s.task_scan.empty())
          self->send(
              s.tasks, task_done_atom::value, std::exchange(s.task_scan, ""),
              outcome_of_scan(outcome), scan,
              std::string(outcome == "busy" ? "another replica was scanning"
                                            : ""));
        if (!s.draining)
          after_scan(self);
        if (s.draining && s.drained.pending())
          s.drained.deliver(true);
        else if (s.watch_pending)
          on_watch(self);
      },
      [=](watch_atom, const std::string&, std::size_t) { on_watch(self); },
      [=](drain_atom) -> caf::result<bool> {
        auto& s = self->state;
        s.draining = true;
        s.ctx.stop->store(true);
        self->send(s.tasks, drain_atom::value);
        self->send(s.purge, drain_atom::value);
        if (!s.scanning)
          return true;
        s.drained = self->make_response_promise();
        return s.drained;
      },
  };
}

} // namespace

caf::actor spawn_scanner(caf::actor_system& sys, scanner_settings cfg,
                         bus_actor bus, kumo::metrics& m) {
  auto metrics = std::make_shared<scanner_metrics>(m);
  return sys.spawn(scanner, std::move(cfg), std::move(bus), std::move(metrics));
}

} // namespace kumo::scanner
