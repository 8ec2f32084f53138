#pragma once

// The OpenAPI 3 description of the HTTP API (docs/openapi.json, compiled
// in at build time), served publicly at GET /api/openapi.json.

#include <string>

namespace httplib {
class Server;
}

namespace kumo::gateway {

/// The text of docs/openapi.json.
const std::string& openapi_document();

/// Registers GET /api/openapi.json.
void add_openapi_route(httplib::Server& server);

} // namespace kumo::gateway
