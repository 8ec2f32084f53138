// POST /api/series/{key}/refresh and /api/series/{key}/download: a series'
// provider listing and its missing episodes, answered by the scanner over
// NATS (kumo.scanner.cmd.refresh / .download, docs/library.md).

#include "routes/routes_feeds.hpp"

#include "command_forwarder.hpp"
#include "http/http_server.hpp"
#include "kumo/subjects.hpp"
#include "series_requests.hpp"

#include <httplib.h>

namespace kumo::gateway {

namespace {

/// The key of the path, checked, plus the optional body object; a "key" in
/// the body must equal the path's.
checked_request check_series_action(const std::string& key,
                                    const std::string& body) {
  auto target = check_series_key(key);
  if (!target.ok())
    return target;
  auto request = check_optional_body(body);
  if (!request.ok())
    return request;
  auto given = request.payload.find("key");
  if (given != request.payload.end() && *given != key)
    return checked_request::invalid(
        {"key", "key in the body must be the key of the path"});
  request.payload["key"] = key;
  return request;
}

} // namespace

std::unique_ptr<route_module> make_feeds_module(httplib::Server& server,
                                                service_context&,
                                                const bus_client& bus) {
  auto scanner = std::make_shared<const command_forwarder>(
      bus, "scanner", subjects::scanner_cmd, nullptr);
  server.Post(R"(/api/series/([^/]*)/refresh)", [scanner](const auto& req,
                                                          auto& res) {
    send_answer(res, scanner->forward(
                         "refresh",
                         check_series_action(req.matches[1].str(), req.body)));
  });
  server.Post(R"(/api/series/([^/]*)/download)", [scanner](const auto& req,
                                                           auto& res) {
    send_answer(res, scanner->forward(
                         "download",
                         check_series_action(req.matches[1].str(), req.body)));
  });
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
