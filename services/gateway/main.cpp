#include "bus_client.hpp"
#include "events/events.hpp"
#include "http/http_metrics.hpp"
#include "http/http_server.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"
#include "openapi.hpp"
#include "queue_requests.hpp"
#include "routes.hpp"
#include "routes/routes_config.hpp"
#include "routes/routes_feeds.hpp"
#include "web_assets.hpp"

#include <caf/all.hpp>

namespace kumo::gateway {
std::vector<migration> migrations();
}

namespace {

using namespace kumo;

struct gateway_state {
  static inline const char* name = "kumo.gateway";
  std::unique_ptr<gateway::bus_client> bus;
  std::unique_ptr<gateway::http_server> http;
  std::vector<std::unique_ptr<gateway::route_module>> modules;

  /// CAF destroys the state when the actor exits, before its attached
  /// functors run, so the orderly shutdown lives here: modules stop their
  /// long-lived handlers, the server waits for in-flight requests, and only
  /// then do the modules (and the actors they own) go away.
  ~gateway_state() {
    for (auto& m : modules)
      m->stop();
    http.reset();
    modules.clear();
  }
};

/// Counts and times the gateway's requests by the documented route
/// templates (docs/openapi.json, compiled in).
void count_http_requests(gateway::http_server& http, service_context& ctx) {
  auto paths = gateway::openapi_paths(gateway::openapi_document());
  if (!paths)
    log::error("HTTP metrics without route templates: " +
               paths.error().message);
  http.count_requests(std::make_shared<gateway::http_metrics>(
      ctx.metrics.registry(),
      gateway::route_labels{paths ? *paths : std::vector<std::string>{}}));
}

/// Registers every route and starts listening; false (logged) on a bad
/// option or an unusable port.
bool start_serving(gateway_state& st, service_context& ctx) {
  auto site = gateway::site_options_from(ctx.config);
  if (!site) {
    log::error("invalid configuration: " + site.error().message,
               {{"option", site.error().field}});
    return false;
  }
  auto sessions = std::make_shared<gateway::stream_sessions>();
  auto& routes = st.http->routes();
  gateway::add_health_routes(routes, *st.bus, ctx.config);
  gateway::add_web_routes(routes);
  st.modules.push_back(gateway::make_auth_module(routes, ctx, *st.bus,
                                                 std::move(*site), sessions));
  st.modules.push_back(gateway::make_queue_module(routes, ctx, *st.bus));
  st.modules.push_back(gateway::make_series_module(routes, ctx, *st.bus));
  st.modules.push_back(gateway::make_providers_module(routes, ctx, *st.bus));
  st.modules.push_back(gateway::make_webhooks_module(routes, ctx, *st.bus));
  st.modules.push_back(gateway::make_feeds_module(routes, ctx, *st.bus));
  st.modules.push_back(gateway::make_config_module(routes, ctx, *st.bus));
  st.modules.push_back(
      gateway::make_events_module(routes, ctx, *st.bus, sessions));
  count_http_requests(*st.http, ctx);
  auto port = st.http->start(ctx.config.text("http_bind"),
                             static_cast<int>(ctx.config.integer("http_port")));
  if (port < 0) {
    log::error("cannot bind HTTP port",
               {{"port", ctx.config.integer("http_port")}});
    return false;
  }
  log::info("http listening",
            {{"port", port}, {"bind", ctx.config.text("http_bind")}});
  return true;
}

/// Owns the HTTP server. Detached: stopping httplib blocks until in-flight
/// requests are done.
drainable_actor::behavior_type
gateway_supervisor(drainable_actor::stateful_pointer<gateway_state> self,
                   service_context* ctx) {
  auto& st = self->state;
  auto timeout = caf::timespan{
      std::chrono::milliseconds(ctx->config.millis("request_timeout"))};
  st.bus =
      std::make_unique<gateway::bus_client>(ctx->system, ctx->bus, timeout);
  st.http = std::make_unique<gateway::http_server>(
      gateway::pool_options_from(ctx->config),
      gateway::connection_options_from(ctx->config));
  if (start_serving(st, *ctx))
    ctx->ready.serving = true;
  else
    self->quit(make_error(errc::unavailable, "gateway not started"));
  return {
      [=](drain_atom) {
        for (auto& m : self->state.modules)
          m->stop();
        self->state.http->stop();
        return true;
      },
  };
}

} // namespace

int main(int argc, char** argv) {
  service_definition def;
  def.name = "gateway";
  def.options = {
      {"http_bind", option_kind::text, "127.0.0.1", "public HTTP bind address"},
      {"http_port", option_kind::integer, "8080",
       "public HTTP port (0: any free)", 0, 65535},
      {"health_window", option_kind::duration, "500ms",
       "longest /api/health waits for replies (less when every known instance "
       "answered)",
       50, 10'000},
      {"health_forget", option_kind::duration, "60s",
       "how long /api/health lists a silent instance as down before "
       "forgetting it",
       1000, 86'400'000},
      {"session_ttl", option_kind::duration, "168h",
       "lifetime of a login session", 1000, 8760LL * 3'600'000},
      {"api_key", option_kind::text, "",
       "static API key for headless clients (empty: none)", INT64_MIN,
       INT64_MAX, true},
      {"setup_token", option_kind::text, "",
       "one-time token first-run setup requires (empty: generated and logged "
       "when the gateway listens beyond loopback)",
       INT64_MIN, INT64_MAX, true},
      {"public_url", option_kind::text, "",
       "URL browsers use to reach the gateway, e.g. https://kumo.example.org "
       "(empty: taken from each request's Host)"},
      {"trusted_proxies", option_kind::text, "",
       "comma-separated CIDRs of reverse proxies whose X-Forwarded-Proto is "
       "believed (empty: none)"},
  };
  for (auto opts : {gateway::http_server_options(), gateway::events_options(),
                    gateway::queue_route_options()})
    def.options.insert(def.options.end(), opts.begin(), opts.end());
  def.migrations = gateway::migrations;
  def.sets_serving = true;
  def.configure = [](const settings& cfg) -> result<void> {
    auto rules = gateway::queue_route_rules(cfg);
    if (!rules)
      return rules.error();
    return {};
  };
  def.start = [](service_context& ctx) {
    return ctx.system.spawn<caf::detached>(gateway_supervisor, &ctx);
  };
  return run_service(argc, argv, def);
}
