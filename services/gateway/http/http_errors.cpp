#include "http/http_errors.hpp"

#include "http/http_server.hpp"

#include <httplib.h>

namespace kumo::gateway {

namespace {

httplib::Server::HandlerResponse fill_error(const httplib::Request&,
                                            httplib::Response& res) {
  if (!res.body.empty())
    return httplib::Server::HandlerResponse::Unhandled;
  switch (res.status) {
  case 404:
    send_error(res, 404, "not_found", "no such route");
    break;
  case 405:
    send_error(res, 405, "method_not_allowed", "method not allowed");
    break;
  case 413:
    send_error(res, 413, "payload_too_large",
               "request body exceeds the limit of 1 MiB");
    break;
  default:
    if (res.status < 500)
      send_error(res, res.status, "bad_request", "malformed HTTP request");
    else
      send_error(res, res.status, "internal", "internal error");
  }
  return httplib::Server::HandlerResponse::Handled;
}

} // namespace

void install_json_errors(httplib::Server& server) {
  server.set_error_handler(httplib::Server::HandlerWithResponse{fill_error});
}

} // namespace kumo::gateway
