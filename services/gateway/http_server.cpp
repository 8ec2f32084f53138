#include "http_server.hpp"

#include <httplib.h>

namespace kumo::gateway {

http_server::http_server() : server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(1 << 20);
  server_->set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                {"Cache-Control", "no-store"}});
  server_->set_exception_handler(
    [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_error(res, 500, "internal", "internal error");
    });
  // Errors httplib answers itself (unknown route, body over the limit,
  // malformed request) get the same JSON shape as ours.
  server_->set_error_handler(httplib::Server::HandlerWithResponse{
    [](const httplib::Request&,
       httplib::Response& res) -> httplib::Server::HandlerResponse {
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
    }});
}

http_server::~http_server() {
  stop();
}

int http_server::start(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host)
                        : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return -1;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void http_server::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  send_json(res, {{"error", {{"code", code}, {"message", message}}}}, status);
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

} // namespace kumo::gateway
