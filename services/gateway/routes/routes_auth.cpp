// /api/auth/* (first-run setup, login, logout, status) and the guard in
// front of every other /api route.

#include "routes/routes_auth.hpp"

#include "auth/setup_token.hpp"
#include "bus_client.hpp"
#include "http/http_server.hpp"
#include "kumo/log.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

request_facts facts_of(const httplib::Request& req) {
  request_facts out;
  out.method = req.method;
  out.remote_addr = req.remote_addr;
  out.host = req.get_header_value("Host");
  out.forwarded_proto = req.get_header_value("X-Forwarded-Proto");
  out.origin = req.get_header_value("Origin");
  out.sec_fetch_site = req.get_header_value("Sec-Fetch-Site");
  out.content_type = req.get_header_value("Content-Type");
  auto length = req.get_header_value("Content-Length");
  out.has_body = !length.empty() && length != "0";
  return out;
}

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

/// Guards every non-public path; see is_public_path(). Cookie
/// authentication that changes state also proves the request comes from
/// the gateway's own page (see cross_site_problem).
httplib::Server::HandlerResponse guard(const auth_context& ctx,
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
  switch (ctx.gate->check(creds)) {
  case auth_verdict::allowed:
    if (creds.bearer.empty() && creds.api_key.empty()) {
      if (auto why = cross_site_problem(ctx.site, facts_of(req))) {
        send_error(res, 403, "forbidden", *why);
        return handled::Handled;
      }
    }
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

/// The JSON object body, or nullopt after answering 400.
std::optional<nlohmann::json> object_body(const httplib::Request& req,
                                          httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    send_error(res, 400, "invalid_argument",
               R"(body must be a JSON object {"password": "..."})");
    return std::nullopt;
  }
  return body;
}

std::optional<std::string> password_field(const nlohmann::json& body,
                                          httplib::Response& res) {
  auto it = body.find("password");
  if (it == body.end() || !it->is_string()) {
    send_error(res, 400, "invalid_argument",
               "field \"password\" is required and must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

/// The "password" field of a JSON body, or nullopt after answering 400.
std::optional<std::string> password_field(const httplib::Request& req,
                                          httplib::Response& res) {
  auto body = object_body(req, res);
  if (!body)
    return std::nullopt;
  return password_field(*body, res);
}

/// The setup token a request presents: X-Setup-Token, else the body's
/// "setup_token" field.
std::string presented_setup_token(const httplib::Request& req,
                                  const nlohmann::json& body) {
  auto header = req.get_header_value("X-Setup-Token");
  if (!header.empty())
    return header;
  auto it = body.find("setup_token");
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

void handle_setup(const auth_context& ctx, const httplib::Request& req,
                  httplib::Response& res) {
  auto body = object_body(req, res);
  if (!body)
    return;
  if (ctx.setup->required() &&
      !ctx.setup->accepts(presented_setup_token(req, *body))) {
    log::warn("setup refused: missing or wrong setup token",
              {{"client", req.remote_addr}});
    return send_error(res, 403, "forbidden",
                      "this gateway is reachable beyond loopback: first-run "
                      "setup needs the setup token from the gateway's log (or "
                      "KUMO_SETUP_TOKEN) in X-Setup-Token or \"setup_token\"");
  }
  auto password = password_field(*body, res);
  if (!password)
    return;
  auto result = ctx.gate->setup(*password);
  switch (result.outcome) {
  case auth_gate::setup_outcome::created:
    ctx.setup->consume();
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

void handle_login(const auth_context& ctx, const httplib::Request& req,
                  httplib::Response& res) {
  const auto& gate = ctx.gate;
  auto password = password_field(req, res);
  if (!password)
    return;
  auto result = gate->login(req.remote_addr, *password);
  switch (result.outcome) {
  case auth_gate::login_outcome::ok: {
    auto max_age =
        std::chrono::duration_cast<std::chrono::seconds>(gate->session_ttl())
            .count();
    res.set_header(
        "Set-Cookie",
        session_cookie_header(result.token, max_age,
                              served_over_https(ctx.site, facts_of(req))));
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

/// Revokes the session, ends its event streams here and tells the other
/// gateways to do the same.
void handle_logout(const auth_context& ctx, const httplib::Request& req,
                   httplib::Response& res) {
  auto creds = credentials_of(req);
  auto hash = ctx.gate->session_hash(creds);
  auto revoked = ctx.gate->logout(creds);
  if (!revoked) {
    store_unavailable(res);
    return;
  }
  if (!hash.empty()) {
    ctx.sessions->streams.revoke(hash);
    ctx.bus->publish(revoked_subject, hash);
  }
  res.set_header("Set-Cookie", clear_session_cookie_header(
                                   served_over_https(ctx.site, facts_of(req))));
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

} // namespace

std::string session_hash_of(const auth_gate& gate,
                            const httplib::Request& req) {
  return gate.session_hash(credentials_of(req));
}

void add_auth_routes(httplib::Server& server,
                     const std::shared_ptr<const auth_context>& ctx,
                     prometheus::Counter* rejected) {
  server.set_pre_routing_handler(
      [ctx, rejected](const httplib::Request& req, httplib::Response& res) {
        auto outcome = guard(*ctx, req, res);
        if (res.status == 401 && rejected)
          rejected->Increment();
        return outcome;
      });
  server.Post("/api/auth/setup", [ctx](const auto& req, auto& res) {
    handle_setup(*ctx, req, res);
  });
  server.Post("/api/auth/login", [ctx](const auto& req, auto& res) {
    handle_login(*ctx, req, res);
  });
  server.Post("/api/auth/logout", [ctx](const auto& req, auto& res) {
    handle_logout(*ctx, req, res);
  });
  server.Get("/api/auth/status",
             [gate = ctx->gate](const auto& req, auto& res) {
               handle_status(gate, req, res);
             });
}

} // namespace kumo::gateway
