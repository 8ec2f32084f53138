// The auth module: the gate and its stores, the setup token, the guard in
// front of every /api route, the /api/auth and /api/keys routes, and the
// listener for sessions revoked on other gateways.

#include "auth/setup_token.hpp"
#include "auth/tokens.hpp"
#include "bus_client.hpp"
#include "http/http_errors.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"
#include "openapi.hpp"
#include "routes/routes_auth.hpp"
#include "routes/routes_keys.hpp"

#include <caf/all.hpp>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

auth_counters make_counters(kumo::metrics& m) {
  auto& logins = prometheus::BuildCounter()
                     .Name("kumo_gateway_logins_total")
                     .Help("Login attempts by result.")
                     .Register(m.registry());
  auto& rejected = prometheus::BuildCounter()
                       .Name("kumo_gateway_auth_failures_total")
                       .Help("Authentication problems by kind.")
                       .Register(m.registry());
  return {&logins.Add({{"result", "ok"}}),
          &logins.Add({{"result", "wrong_password"}}),
          &logins.Add({{"result", "locked"}}),
          &rejected.Add({{"kind", "rejected"}}),
          &rejected.Add({{"kind", "store_error"}})};
}

/// Hears sessions revoked on other gateways (revoked_subject). Subscribes
/// itself; it stops (and says so) when the bus refuses the subscription.
bus_listener::behavior_type
revocation_listener(bus_listener::pointer self, const bus_actor& bus,
                    const gate_ptr& gate,
                    const std::shared_ptr<stream_sessions>& sessions) {
  subscribe(self, bus, std::string{revoked_subject});
  return {
      [=](const bus_message& msg) {
        gate->forget(msg.payload);
        sessions->streams.revoke(msg.payload);
      },
  };
}

/// The setup token guarding first-run setup: the configured one; else, on a
/// gateway reachable beyond loopback with no master account yet, a fresh
/// one written to the log once (the one secret meant for the operator).
std::shared_ptr<setup_token> make_setup_token(const settings& cfg,
                                              const auth_gate& gate) {
  auto configured = cfg.text("setup_token");
  if (!configured.empty())
    return std::make_shared<setup_token>(configured);
  if (is_loopback_bind(cfg.text("http_bind")))
    return std::make_shared<setup_token>();
  auto exists = gate.configured();
  if (exists && *exists)
    return std::make_shared<setup_token>();
  auto token = new_session_token();
  // In the message itself: the logger redacts fields named like secrets.
  log::info("first-run setup needs the one-time setup token " + token +
            " in the X-Setup-Token header (or \"setup_token\" field) of "
            "POST /api/auth/setup");
  return std::make_shared<setup_token>(token);
}

class auth_module : public route_module {
public:
  auth_module(auth_store_actor store, key_store_actor keys,
              bus_listener listener)
      : store_(std::move(store)),
        keys_(std::move(keys)),
        listener_(std::move(listener)) {
    // nop
  }

  ~auth_module() override {
    // The server is gone by now, so no handler still uses the store.
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(keys_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(listener_, caf::exit_reason::user_shutdown);
  }

private:
  auth_store_actor store_;
  key_store_actor keys_;
  bus_listener listener_;
};

} // namespace

result<site_options> site_options_from(const settings& cfg) {
  site_options out;
  out.public_url = cfg.text("public_url");
  auto proxies = parse_cidr_list(cfg.text("trusted_proxies"));
  if (!proxies)
    return invalid(proxies.error().message, "trusted_proxies");
  out.trusted_proxies = std::move(*proxies);
  return out;
}

std::unique_ptr<route_module>
make_auth_module(httplib::Server& server, service_context& ctx,
                 const bus_client& bus, site_options site,
                 std::shared_ptr<stream_sessions> sessions) {
  const auto& cfg = ctx.config;
  auth_options opts;
  opts.session_ttl = std::chrono::milliseconds(cfg.millis("session_ttl"));
  opts.api_key = cfg.text("api_key");
  if (!opts.api_key.empty() && opts.api_key.size() < 16)
    log::warn("the configured API key is short; use at least 16 random "
              "characters");
  auto deadline =
      caf::timespan{std::chrono::milliseconds(cfg.millis("request_timeout"))};
  auto store = spawn_auth_store(ctx.system, cfg.text("database_url"),
                                std::chrono::minutes(10));
  auto keys = spawn_key_store(ctx.system, cfg.text("database_url"));
  auto counters = make_counters(ctx.metrics);
  auto gate = std::make_shared<auth_gate>(
      auth_client{ctx.system, store, deadline},
      key_client{ctx.system, keys, deadline}, opts, counters);
  auto shared = std::make_shared<const auth_context>(auth_context{
      gate, std::move(site), make_setup_token(cfg, *gate), sessions, &bus});
  sessions->session_of = [gate](const httplib::Request& req) {
    return session_hash_of(*gate, req);
  };
  sessions->still_valid = [gate](const std::string& hash) {
    return gate->session_valid(hash);
  };
  auto listener =
      ctx.system.spawn(revocation_listener, ctx.bus, gate, sessions);
  add_auth_routes(server, shared, counters.rejected);
  add_key_routes(server, gate, sessions, &bus, revoked_subject);
  // Public like the auth routes: clients read it before they can log in.
  add_openapi_route(server);
  // Refusals and httplib's own errors share the JSON error shape.
  install_json_errors(server);
  return std::make_unique<auth_module>(store, keys, listener);
}

} // namespace kumo::gateway
