#pragma once

// JSON bodies for the errors httplib answers by itself (unknown route, body
// over the limit, malformed request), so every error a client sees has the
// shape {"error": {"code", "message"}}.

namespace httplib {
class Server;
}

namespace kumo::gateway {

/// Installs the error handler. Responses that already carry a body are left
/// as they are.
void install_json_errors(httplib::Server& server);

} // namespace kumo::gateway
