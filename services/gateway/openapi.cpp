#include "openapi.hpp"

#include <httplib.h>

namespace kumo::gateway {

void add_openapi_route(httplib::Server& server) {
  server.Get("/api/openapi.json",
             [](const httplib::Request&, httplib::Response& res) {
               res.status = 200;
               res.set_content(openapi_document(), "application/json");
             });
}

} // namespace kumo::gateway
