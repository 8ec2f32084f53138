#pragma once

// What the /api/auth routes and the guard in front of every other /api
// route (routes_auth.cpp) share with the module that wires them
// (routes_auth_module.cpp). Free of cpp-httplib's header.

#include "auth/auth_gate.hpp"
#include "routes.hpp"

#include <memory>
#include <string>

namespace httplib {
class Server;
struct Request;
} // namespace httplib

namespace prometheus {
class Counter;
}

namespace kumo::gateway {

class bus_client;
class setup_token;

using gate_ptr = std::shared_ptr<auth_gate>;

/// Published by the gateway that revoked a session, payload: its token
/// hash. Every gateway drops its cached confirmation and ends the session's
/// event streams.
constexpr const char* revoked_subject = "kumo.gateway.session_revoked";

/// What the auth handlers share.
struct auth_context {
  gate_ptr gate;
  site_options site;
  std::shared_ptr<setup_token> setup;
  std::shared_ptr<stream_sessions> sessions;
  const bus_client* bus;
};

/// Token hash of the login session `req` is authenticated by; "" for an
/// API key or no credentials.
std::string session_hash_of(const auth_gate& gate, const httplib::Request& req);

/// Installs the guard as the server's pre-routing handler (every 401 it
/// answers counted in `rejected`, when not null) and registers POST
/// /api/auth/setup, /login, /logout and GET /api/auth/status.
void add_auth_routes(httplib::Server& server,
                     const std::shared_ptr<const auth_context>& ctx,
                     prometheus::Counter* rejected);

} // namespace kumo::gateway
