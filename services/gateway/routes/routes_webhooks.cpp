// /api/webhooks: notification targets (webhooks, Jellyfin/Emby, Plex) and
// their delivery log, answered by the queue service over NATS
// (kumo.queue.notify.<op>). The gateway checks the shape (a JSON object, a
// UUID, a limit); the queue checks every field and answers 400 naming it.

#include "command_forwarder.hpp"
#include "http/http_server.hpp"
#include "kumo/contracts/fields.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"
#include "queue_requests.hpp"
#include "routes.hpp"

#include <httplib.h>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;
using forwarder_ptr = std::shared_ptr<const command_forwarder>;

constexpr const char* target_path = R"(/api/webhooks/([^/]+))";
constexpr const char* test_path = R"(/api/webhooks/([^/]+)/test)";
constexpr const char* deliveries_path = R"(/api/webhooks/([^/]+)/deliveries)";

checked_request check_object(const std::string& body) {
  auto doc = contracts::parse_object(body, false);
  if (!doc)
    return checked_request::invalid(doc.error());
  return checked_request::valid(*doc);
}

/// PUT /api/webhooks/{id}: {"id", "target": <body>}.
checked_request check_update(const std::string& id, const std::string& body) {
  auto checked_id = check_id(id);
  if (!checked_id.ok())
    return checked_id;
  auto doc = check_object(body);
  if (!doc.ok())
    return doc;
  return checked_request::valid(
      {{"id", checked_id.payload["id"]}, {"target", doc.payload}});
}

/// GET /api/webhooks/{id}/deliveries[?limit=1..200] (default 50).
checked_request check_deliveries(const std::string& id,
                                 const httplib::Params& params) {
  auto checked_id = check_id(id);
  if (!checked_id.ok())
    return checked_id;
  int64_t limit = 50;
  auto it = params.find("limit");
  if (it != params.end()) {
    const auto& text = it->second;
    bool digits = !text.empty() && text.size() <= 3 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    limit = digits ? std::stoll(text) : 0;
    if (limit < 1 || limit > 200)
      return checked_request::invalid(
          {"limit", "limit must be an integer in 1..200"});
  }
  checked_id.payload["limit"] = limit;
  return checked_id;
}

void add_webhook_routes(httplib::Server& server, const forwarder_ptr& queue) {
  auto forward = [queue](httplib::Response& res, const std::string& op,
                         const checked_request& request, int status = 200) {
    send_answer(res, queue->forward(op, request, status));
  };
  server.Get("/api/webhooks", [forward](const auto&, auto& res) {
    forward(res, "list", checked_request::valid(json::object()));
  });
  server.Post("/api/webhooks", [forward](const auto& req, auto& res) {
    forward(res, "create", check_object(req.body), 201);
  });
  server.Post(test_path, [forward](const auto& req, auto& res) {
    forward(res, "test", check_id(req.matches[1].str()), 202);
  });
  server.Get(deliveries_path, [forward](const auto& req, auto& res) {
    forward(res, "deliveries",
            check_deliveries(req.matches[1].str(), req.params));
  });
  server.Put(target_path, [forward](const auto& req, auto& res) {
    forward(res, "update", check_update(req.matches[1].str(), req.body));
  });
  server.Delete(target_path, [forward](const auto& req, auto& res) {
    forward(res, "delete", check_id(req.matches[1].str()));
  });
}

} // namespace

std::unique_ptr<route_module> make_webhooks_module(httplib::Server& server,
                                                   service_context& ctx,
                                                   const bus_client& bus) {
  auto& failures = prometheus::BuildCounter()
                       .Name("kumo_gateway_notify_unavailable_total")
                       .Help("Webhook requests answered 503: no queue "
                             "answered in time.")
                       .Register(ctx.metrics.registry());
  auto queue = std::make_shared<const command_forwarder>(
      bus, "queue", subjects::queue_notify, &failures.Add({}));
  add_webhook_routes(server, queue);
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
