// /api/auth/* and the guard in front of every other /api route.

#include "auth/auth_gate.hpp"
#include "bus_client.hpp"
#include "http/http_errors.hpp"
#include "http/http_server.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"
#include "openapi.hpp"
#include "routes.hpp"

#include <caf/all.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

using gate_ptr = std::shared_ptr<auth_gate>;

credentials credentials_of(const httplib::Request& req) {
  return extract_credentials(req.get_header_value("Authorization"),
                             req.get_header_value("X-Api-Key"),
                             req.get_header_value("Cookie"));
}

void unauthorized(httplib::Response& res, const std::string& message) {
  res.set_header("WWW-Authenticate", "Bearer");
  send_error(res, 401, "unauthorized", message);
}

void store_unavailable(httplib::Response& res) {
  send_error(res, 503, "unavailable",
             "authentication store unavailable; try again shortly");
}

/// The "password" field of a JSON body, or nullopt after answering 400.
std::optional<std::string> password_field(const httplib::Request& req,
                                          httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    send_error(res, 400, "invalid_argument",
               R"(body must be a JSON object {"password": "..."})");
    return std::nullopt;
  }
  auto it = body.find("password");
  if (it == body.end() || !it->is_string()) {
    send_error(res, 400, "invalid_argument",
               "field \"password\" is required and must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

/// Guards every non-public path; see is_public_path().
httplib::Server::HandlerResponse guard(const gate_ptr& gate,
                                       const httplib::Request& req,
                                       httplib::Response& res) {
  using handled = httplib::Server::HandlerResponse;
  if (is_public_path(req.path))
    return handled::Unhandled;
  auto creds = credentials_of(req);
  if (creds.empty()) {
    unauthorized(res, "authentication required: send 'Authorization: Bearer "
                      "<token>' or log in via POST /api/auth/login");
    return handled::Handled;
  }
  switch (gate->check(creds)) {
  case auth_verdict::allowed:
    return handled::Unhandled;
  case auth_verdict::denied:
    unauthorized(res, "invalid or expired credentials");
    return handled::Handled;
  case auth_verdict::unavailable:
    store_unavailable(res);
    return handled::Handled;
  }
  return handled::Handled;
}

void handle_setup(const gate_ptr& gate, const httplib::Request& req,
                  httplib::Response& res) {
  auto password = password_field(req, res);
  if (!password)
    return;
  auto result = gate->setup(*password);
  switch (result.outcome) {
  case auth_gate::setup_outcome::created:
    send_json(res, {{"configured", true}}, 201);
    return;
  case auth_gate::setup_outcome::exists:
    send_error(res, 409, "conflict", "the master password is already set");
    return;
  case auth_gate::setup_outcome::bad_password:
    send_error(res, 400, "invalid_argument", result.detail);
    return;
  case auth_gate::setup_outcome::failed:
    log::warn("setup failed", {{"error", result.detail}});
    store_unavailable(res);
    return;
  }
}

void handle_login(const gate_ptr& gate, const httplib::Request& req,
                  httplib::Response& res) {
  auto password = password_field(req, res);
  if (!password)
    return;
  auto result = gate->login(req.remote_addr, *password);
  switch (result.outcome) {
  case auth_gate::login_outcome::ok: {
    auto max_age =
        std::chrono::duration_cast<std::chrono::seconds>(gate->session_ttl())
            .count();
    res.set_header("Set-Cookie", session_cookie_header(result.token, max_age));
    send_json(res, {{"token", result.token},
                    {"token_type", "Bearer"},
                    {"expires_at", result.expires_at}});
    return;
  }
  case auth_gate::login_outcome::wrong_password:
    unauthorized(res, "wrong password");
    return;
  case auth_gate::login_outcome::locked: {
    auto wait = std::to_string(result.retry_after.count());
    res.set_header("Retry-After", wait);
    send_error(res, 429, "too_many_requests",
               "too many failed logins; retry in " + wait + " s");
    return;
  }
  case auth_gate::login_outcome::not_configured:
    send_error(res, 409, "conflict",
               "no master password yet: POST /api/auth/setup first");
    return;
  case auth_gate::login_outcome::failed:
    log::warn("login failed on the store", {{"error", result.detail}});
    store_unavailable(res);
    return;
  }
}

void handle_logout(const gate_ptr& gate, const httplib::Request& req,
                   httplib::Response& res) {
  auto revoked = gate->logout(credentials_of(req));
  if (!revoked) {
    store_unavailable(res);
    return;
  }
  res.set_header("Set-Cookie", clear_session_cookie_header());
  send_json(res, {{"logged_out", true}});
}

void handle_status(const gate_ptr& gate, const httplib::Request& req,
                   httplib::Response& res) {
  auto configured = gate->configured();
  if (!configured) {
    store_unavailable(res);
    return;
  }
  auto creds = credentials_of(req);
  bool authenticated =
      !creds.empty() && gate->check(creds) == auth_verdict::allowed;
  send_json(res,
            {{"configured", *configured}, {"authenticated", authenticated}});
}

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

class auth_module : public route_module {
public:
  explicit auth_module(auth_store_actor store) : store_(std::move(store)) {
    // nop
  }

  ~auth_module() override {
    // The server is gone by now, so no handler still uses the store.
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
  }

private:
  auth_store_actor store_;
};

} // namespace

std::unique_ptr<route_module> make_auth_module(httplib::Server& server,
                                               service_context& ctx,
                                               const bus_client&) {
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
  auto counters = make_counters(ctx.metrics);
  auto gate = std::make_shared<auth_gate>(
      auth_client{ctx.system, store, deadline}, opts, counters);
  server.set_pre_routing_handler(
      [gate, rejected = counters.rejected](const httplib::Request& req,
                                           httplib::Response& res) {
        auto outcome = guard(gate, req, res);
        if (res.status == 401 && rejected)
          rejected->Increment();
        return outcome;
      });
  server.Post("/api/auth/setup", [gate](const auto& req, auto& res) {
    handle_setup(gate, req, res);
  });
  server.Post("/api/auth/login", [gate](const auto& req, auto& res) {
    handle_login(gate, req, res);
  });
  server.Post("/api/auth/logout", [gate](const auto& req, auto& res) {
    handle_logout(gate, req, res);
  });
  server.Get("/api/auth/status", [gate](const auto& req, auto& res) {
    handle_status(gate, req, res);
  });
  // Public like the auth routes: clients read it before they can log in.
  add_openapi_route(server);
  // Refusals and httplib's own errors share the JSON error shape.
  install_json_errors(server);
  return std::make_unique<auth_module>(store);
}

} // namespace kumo::gateway
