#pragma once

// Route groups of the gateway. Each module registers its handlers on the
// server when made and is stopped (before the server) when the gateway
// drains.

#include "kumo/config.hpp"

#include <memory>

namespace httplib {
class Server;
}

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

/// GET /api/health (public): every service's status over NATS.
void add_health_routes(httplib::Server& server, const bus_client& bus,
                       const settings& cfg);

/// /api/auth/*, plus the check that guards every other /api route.
std::unique_ptr<route_module> make_auth_module(httplib::Server& server,
                                               service_context& ctx,
                                               const bus_client& bus);

/// /api/queue/*: the download queue, answered by the queue service.
std::unique_ptr<route_module> make_queue_module(httplib::Server& server,
                                                service_context& ctx,
                                                const bus_client& bus);

/// GET /api/events: Server-Sent Events fed by the progress service.
std::unique_ptr<route_module> make_events_module(httplib::Server& server,
                                                 service_context& ctx,
                                                 const bus_client& bus);

} // namespace kumo::gateway
