#include "kumo/service.hpp"

#include "kumo/admin_server.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/log.hpp"
#include "kumo/store.hpp"
#include "kumo/subjects.hpp"
#include "kumo/wire.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string_view>
#include <unistd.h>

namespace kumo {

const char* version() {
  return KUMO_VERSION;
}

namespace {

using steady = std::chrono::steady_clock;

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

/// Waits up to `ms` for SIGTERM/SIGINT; returns true when one arrived.
bool wait_for_signal(int64_t ms) {
  auto set = shutdown_signals();
  timespec ts{static_cast<time_t>(ms / 1000),
              static_cast<long>((ms % 1000) * 1'000'000)};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

std::string default_instance() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return std::string{host} + "-" + std::to_string(getpid());
}

caf::behavior health_responder(caf::event_based_actor* self,
                               const bus_actor& bus, const std::string& service,
                               const std::string& instance, readiness* ready,
                               steady::time_point started) {
  subscribe(self, bus, subjects::health(service));
  return {
      [=](const bus_message& msg) {
        if (msg.reply.empty())
          return;
        wire::health_report r;
        r.service = service;
        r.instance = instance;
        r.version = version();
        r.nats = ready->nats;
        r.database = ready->database;
        r.status = (ready->nats && (!ready->needs_database || ready->database))
                       ? "ok"
                       : "degraded";
        r.uptime_seconds =
            std::chrono::duration<double>(steady::now() - started).count();
        reply(self, bus, msg, encode(r));
      },
  };
}

/// Checks the database every `interval` on its own connection and keeps
/// readiness.database current. Blocking, hence detached.
caf::behavior database_probe(caf::event_based_actor* self,
                             const std::string& url, readiness* ready,
                             caf::timespan interval) {
  auto db = std::make_shared<pg_session>(url);
  self->send(self, probe_atom::value);
  return {
      [=](probe_atom) {
        bool up = db->ping();
        if (ready->database.exchange(up) != up) {
          if (up)
            log::info("database reachable again");
          else
            log::warn("database unreachable");
        }
        self->delayed_send(self, interval, probe_atom::value);
      },
  };
}

} // namespace

namespace {

/// Loads the service's configuration (common options plus `def.options`),
/// initializes logging at its level and runs `def.configure` once. On error
/// logs one line and returns nullopt (the caller exits with 2).
std::optional<settings> load_service_config(const service_definition& def) {
  auto schema = common_options(def);
  schema.insert(schema.end(), def.options.begin(), def.options.end());
  auto loaded = load_settings(schema, process_env());
  if (!loaded) {
    const auto& why = loaded.error();
    log::init(def.name, log::level::info);
    log::error("invalid configuration: " + why.message,
               {{"option", why.field}, {"env", env_name(why.field)}});
    return std::nullopt;
  }
  auto values = *std::move(loaded);
  log::level lvl = log::level::info;
  log::parse_level(values.text("log_level"), lvl);
  log::init(def.name, lvl);
  if (!def.configure)
    return values;
  auto configured = def.configure(values);
  if (configured)
    return values;
  const auto& why = configured.error();
  auto line = "invalid configuration: " +
              (why.field.empty() ? why.message
                                 : env_name(why.field) + ": " + why.message);
  if (why.field.empty())
    log::error(line);
  else
    log::error(line, {{"option", why.field}, {"env", env_name(why.field)}});
  return std::nullopt;
}

/// Connects and migrates, retrying every second until it works or a
/// shutdown signal arrives. Returns false on shutdown.
bool prepare_database(const service_definition& def, const settings& cfg,
                      readiness& ready) {
  auto list = def.migrations ? def.migrations() : std::vector<migration>{};
  pg_session db{cfg.text("database_url")};
  for (int attempt = 0;; ++attempt) {
    auto applied = apply_migrations(db, def.name, list);
    if (applied) {
      ready.database = true;
      log::info("database schema current", {{"applied", *applied}});
      return true;
    }
    if (attempt % 10 == 0)
      log::warn("database not ready; retrying",
                {{"error", caf::to_string(applied.error())},
                 {"detail", message_of(applied.error())}});
    if (wait_for_signal(1000))
      return false;
  }
}

/// Waits for SIGTERM/SIGINT (returns nullopt) or for the service's actor
/// to stop by itself (returns why).
std::optional<caf::error> wait_for_shutdown(caf::actor_system& sys,
                                            const drainable_actor& service) {
  caf::scoped_actor watcher{sys};
  watcher->monitor(service);
  for (;;) {
    if (wait_for_signal(250))
      return std::nullopt;
    std::optional<caf::error> down;
    watcher->receive([&](caf::down_msg& msg) { down = msg.reason; },
                     caf::after(std::chrono::milliseconds(0)) >>
                         [] {
                           // nop: still running
                         });
    if (down)
      return down;
  }
}

void drain(caf::actor_system& sys, const drainable_actor& service,
           int64_t grace_ms) {
  caf::scoped_actor self{sys};
  self->request(service, std::chrono::milliseconds(grace_ms), drain_atom::value)
      .receive(
          [](bool) { log::info("drained"); },
          [](const caf::error& err) {
            log::warn("drain incomplete", {{"error", caf::to_string(err)}});
          });
}

/// The configuration for the start-up line: secrets redacted, and so are
/// passwords written into URLs.
std::map<std::string, std::string> printable(const settings& config) {
  auto out = config.printable();
  for (auto& [key, value] : out)
    if (key.size() > 4 && key.compare(key.size() - 4, 4, "_url") == 0)
      value = log::redact_url(value);
  return out;
}

bus_options bus_settings(const service_definition& def,
                         const settings& config) {
  bus_options opts;
  opts.url = config.text("nats_url");
  opts.name = def.name + "/" + config.text("instance");
  opts.user = config.text("nats_user");
  if (!config.text("nats_password").empty())
    opts.password = config.text("nats_password");
  else
    opts.user.clear(); // no login: a server without authorization
  return opts;
}

} // namespace

std::vector<option> common_options(const service_definition& def) {
  std::vector<option> out{
      {"nats_url", option_kind::url, "nats://127.0.0.1:4222",
       "NATS server URL(s)"},
      {"nats_user", option_kind::text, def.name,
       "NATS user (the server's permission table names one per service)"},
      {"admin_bind", option_kind::text, "127.0.0.1", "admin HTTP bind address"},
      {"admin_port", option_kind::integer, "0", "admin HTTP port (0: any free)",
       0, 65535},
      {"log_level", option_kind::text, "info", "debug, info, warn or error"},
      {"instance", option_kind::text, default_instance(), "instance name"},
      {"threads", option_kind::integer, "2", "actor scheduler threads", 1, 64},
      {"shutdown_grace", option_kind::duration, "20s",
       "drain deadline on SIGTERM", 0, 600'000},
      {"request_timeout", option_kind::duration, "5s",
       "deadline of NATS requests", 1, 600'000},
  };
  option nats_password{"nats_password", option_kind::text, "",
                       "NATS password of nats_user (empty: no login)"};
  nats_password.secret = true;
  out.push_back(nats_password);
  if (def.uses_database) {
    option db{"database_url", option_kind::url, std::nullopt,
              "PostgreSQL URL, e.g. postgresql://kumo@127.0.0.1:5432/kumo"};
    db.secret = true;
    out.push_back(db);
  }
  return out;
}

namespace {

/// Runs the service with a configuration from load_service_config().
int run_loaded(const service_definition& def, const settings& config) {
  // Every thread created from here on inherits the mask, so only sigwait
  // in this thread sees the shutdown signals.
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  setenv("PGCONNECT_TIMEOUT", "3", 0);
  auto started = steady::now();
  auto level = config.text("log_level");
  log::level parsed;
  if (!log::parse_level(level, parsed)) {
    log::error("invalid configuration: KUMO_LOG_LEVEL = '" + level +
                   "' is invalid: expected debug, info, warn or error",
               {{"option", "log_level"}});
    return 2;
  }
  log::info("starting", {{"version", version()},
                         {"instance", config.text("instance")},
                         {"config", printable(config)}});
  readiness ready;
  ready.needs_database = def.uses_database;
  metrics m{def.name, version()};
  admin_server admin{ready, m};
  auto port = admin.start(config.text("admin_bind"),
                          static_cast<int>(config.integer("admin_port")));
  if (port < 0) {
    log::error("cannot bind admin port",
               {{"bind", config.text("admin_bind")},
                {"port", config.integer("admin_port")}});
    return 2;
  }
  log::info("admin listening", {{"port", port}});
  caf::actor_system_config sys_cfg;
  // The default work-stealing scheduler polls; sharing sleeps when idle.
  sys_cfg.set("scheduler.policy", caf::atom("sharing"));
  sys_cfg.set("scheduler.max-threads", config.integer("threads"));
  caf::actor_system sys{sys_cfg};
  auto bus = spawn_bus(sys, bus_settings(def, config), ready, m);
  std::vector<caf::actor> helpers;
  if (def.uses_database) {
    if (!prepare_database(def, config, ready)) {
      log::info("stopped before start-up completed");
      caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
      return 0;
    }
    helpers.push_back(sys.spawn<caf::detached>(
        database_probe, config.text("database_url"), &ready,
        caf::timespan{std::chrono::seconds(1)}));
  }
  service_context ctx{sys, config, bus, m, ready, config.text("instance")};
  if (def.sets_serving)
    ready.serving = false;
  auto service = def.start(ctx);
  helpers.push_back(sys.spawn(health_responder, bus, def.name,
                              config.text("instance"), &ready, started));
  log::info("started");
  auto stopped = wait_for_shutdown(sys, service);
  ready.draining = true;
  if (stopped) {
    log::error("service stopped on its own; exiting",
               {{"reason", caf::to_string(*stopped)}});
  } else {
    log::info("shutting down");
    drain(sys, service, config.millis("shutdown_grace"));
  }
  caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
  for (auto& h : helpers)
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  admin.stop();
  log::info("stopped");
  return stopped ? 3 : 0;
}

} // namespace

int run_service(int argc, char** argv, const service_definition& def) {
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::cout << "kumo-" << def.name << ' ' << version() << '\n';
    return 0;
  }
  if (argc >= 2) {
    std::cerr << "kumo-" << def.name << ": unknown argument '" << argv[1]
              << "'; the configuration comes from KUMO_* environment "
                 "variables (docs/operations.md), --version prints the "
                 "version\n";
    return 2;
  }
  auto config = load_service_config(def);
  if (!config)
    return 2;
  return run_loaded(def, *config);
}

} // namespace kumo
