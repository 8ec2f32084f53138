// GET / and GET /assets/<name>: the web UI's embedded files. Public (the
// auth guard lets every path outside /api through); the pages reach the API
// with the session cookie like any other browser client.

#include "http/http_server.hpp"
#include "web_assets.hpp"

#include <algorithm>
#include <httplib.h>

namespace kumo::gateway {

namespace {

/// Replaces a default header (every response starts with the API's).
void replace_header(httplib::Response& res, const char* name,
                    const std::string& value) {
  res.headers.erase(name);
  res.set_header(name, value);
}

void serve_asset(const httplib::Request& req, httplib::Response& res) {
  auto asset = find_web_asset(web_assets(), req.path);
  if (!asset) {
    send_error(res, 404, "not_found", "no such file");
    return;
  }
  replace_header(res, "Content-Security-Policy",
                 web_ui_content_security_policy);
  replace_header(res, "Cache-Control", "no-cache");
  res.set_header("ETag", std::string{asset->etag});
  res.set_header("Vary", "Accept-Encoding");
  if (etag_matches(req.get_header_value("If-None-Match"), asset->etag)) {
    res.status = 304;
    return;
  }
  auto body = asset->body;
  if (accepts_gzip(req.get_header_value("Accept-Encoding"))) {
    body = asset->gzip;
    res.set_header("Content-Encoding", "gzip");
  }
  res.status = 200;
  // A provider of known length: the library sends it as it is (it would
  // compress a plain body itself, and compress the gzip form again).
  res.set_content_provider(
      body.size(), web_content_type(asset->name),
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body.data() + offset,
                          std::min(length, body.size() - offset));
      });
}

} // namespace

void add_web_routes(httplib::Server& server) {
  server.Get("/", serve_asset);
  server.Get(R"(/assets/[A-Za-z0-9._-]+)", serve_asset);
}

} // namespace kumo::gateway
