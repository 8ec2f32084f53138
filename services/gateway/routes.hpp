#pragma once

// Route groups of the gateway. Each module registers its handlers on the
// server when made and is stopped (before the server) when the gateway
// drains.

#include "auth/request_policy.hpp"
#include "events/session_streams.hpp"
#include "kumo/config.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace httplib {
class Server;
struct Request;
} // namespace httplib

namespace kumo {
struct service_context;
}

namespace kumo::gateway {

class bus_client;

class route_module {
public:
  virtual ~route_module() = default;

  /// Makes long-lived handlers (SSE streams) return so the server can stop.
  virtual void stop() {
    // nop
  }
};

/// What the auth module tells the event streams about their login session.
struct stream_sessions {
  /// Streams by session; the auth module revokes a session's streams when
  /// the session is revoked, here or (by broadcast) on another gateway.
  session_streams streams;
  /// Token hash of the session a request is authenticated by; "" for the
  /// API key. Set by the auth module.
  std::function<std::string(const httplib::Request&)> session_of;
  /// Whether the session with this token hash is still valid (true while
  /// the store cannot tell). Set by the auth module.
  std::function<bool(const std::string&)> still_valid;
};

/// The public_url and trusted_proxies options; fails on a bad CIDR list.
result<site_options> site_options_from(const settings& cfg);

/// GET /api/health (public): every service's status over NATS.
void add_health_routes(httplib::Server& server, const bus_client& bus,
                       const settings& cfg);

/// /api/auth/*, plus the check that guards every other /api route.
std::unique_ptr<route_module>
make_auth_module(httplib::Server& server, service_context& ctx,
                 const bus_client& bus, site_options site,
                 std::shared_ptr<stream_sessions> sessions);

/// /api/queue/*: the download queue, answered by the queue service.
std::unique_ptr<route_module> make_queue_module(httplib::Server& server,
                                                service_context& ctx,
                                                const bus_client& bus);

/// /api/series and /api/library/*: the series catalog, answered by the
/// scanner.
std::unique_ptr<route_module> make_series_module(httplib::Server& server,
                                                 service_context& ctx,
                                                 const bus_client& bus);

/// GET /api/events: Server-Sent Events fed by the progress service.
/// Each stream ends when its login session is revoked (see stream_sessions).
std::unique_ptr<route_module>
make_events_module(httplib::Server& server, service_context& ctx,
                   const bus_client& bus,
                   std::shared_ptr<stream_sessions> sessions);

} // namespace kumo::gateway
