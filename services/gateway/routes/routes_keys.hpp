#pragma once

// /api/keys: named API keys, managed by the master account (a login
// session) or the operator's static key, never by a named key.

#include <memory>

namespace httplib {
class Server;
}

namespace kumo::gateway {

class auth_gate;
class bus_client;
struct stream_sessions;

/// Registers the routes. `revoked_subject`: where a revocation is announced
/// to the other gateways (payload: the key's hash).
void add_key_routes(httplib::Server& server, std::shared_ptr<auth_gate> gate,
                    std::shared_ptr<stream_sessions> sessions,
                    const bus_client* bus, const char* revoked_subject);

} // namespace kumo::gateway
