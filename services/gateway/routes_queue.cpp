// /api/queue/*: validated here, answered by the queue service over NATS
// (kumo.queue.cmd.<op>).

#include "command_forwarder.hpp"
#include "http/http_server.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"
#include "queue_requests.hpp"
#include "routes.hpp"

#include <httplib.h>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;

/// The route patterns; an id segment is any text, validated as a UUID by
/// the handler so a malformed id gets a 400 rather than a 404.
constexpr const char* item_path = R"(/api/queue/([^/]+))";
constexpr const char* item_action_path =
    R"(/api/queue/([^/]+)/(pause|resume|cancel))";
constexpr const char* item_priority_path = R"(/api/queue/([^/]+)/priority)";
constexpr const char* queue_action_path =
    R"(/api/queue/(start|stop|pause|resume))";

/// Forwards one route's request and writes the answer.
class queue_forwarder {
public:
  explicit queue_forwarder(command_forwarder forwarder)
      : forwarder_(std::move(forwarder)) {
    // nop
  }

  /// Sends a validated request to kumo.queue.cmd.<op> and writes the answer;
  /// answers 400 for an invalid one without sending anything.
  void forward(const std::string& op, const checked_request& request,
               httplib::Response& res, int success_status = 200) const {
    send_answer(res, forwarder_.forward(op, request, success_status));
  }

private:
  command_forwarder forwarder_;
};

using forwarder_ptr = std::shared_ptr<const queue_forwarder>;

const checked_request no_arguments = checked_request::valid(json::object());

void add_queue_routes(httplib::Server& server, const forwarder_ptr& q,
                      const contracts::request_rules& rules) {
  server.Get("/api/queue/status", [q](const auto& req, auto& res) {
    q->forward("status", check_status(req.params), res);
  });
  server.Post("/api/queue/add", [q, rules](const auto& req, auto& res) {
    q->forward("add", check_add(req.body, rules), res, 201);
  });
  server.Post("/api/queue/retry", [q](const auto& req, auto& res) {
    q->forward("retry", check_retry(req.body), res);
  });
  server.Post(queue_action_path, [q](const auto& req, auto& res) {
    q->forward(req.matches[1].str(), no_arguments, res);
  });
  server.Delete("/api/queue/completed", [q](const auto&, auto& res) {
    q->forward("clear_completed", no_arguments, res);
  });
}

void add_item_routes(httplib::Server& server, const forwarder_ptr& q) {
  server.Get(item_path, [q](const auto& req, auto& res) {
    q->forward("get", check_id(req.matches[1].str()), res);
  });
  server.Delete(item_path, [q](const auto& req, auto& res) {
    q->forward("remove", check_id(req.matches[1].str()), res);
  });
  server.Post(item_action_path, [q](const auto& req, auto& res) {
    q->forward(req.matches[2].str() + "_item", check_id(req.matches[1].str()),
               res);
  });
  server.Post(item_priority_path, [q](const auto& req, auto& res) {
    q->forward("set_priority", check_priority(req.matches[1].str(), req.body),
               res);
  });
}

} // namespace

std::unique_ptr<route_module> make_queue_module(httplib::Server& server,
                                                service_context& ctx,
                                                const bus_client& bus) {
  auto& failures = prometheus::BuildCounter()
                       .Name("kumo_gateway_queue_unavailable_total")
                       .Help("Queue requests answered 503: no queue service "
                             "answered in time.")
                       .Register(ctx.metrics.registry());
  auto q = std::make_shared<const queue_forwarder>(
      command_forwarder{bus, "queue", subjects::queue_cmd, &failures.Add({})});
  // Fixed paths first: httplib tries the patterns in registration order.
  // main's configure already refused a bad allowlist.
  auto rules = *queue_route_rules(ctx.config);
  add_queue_routes(server, q, rules);
  add_item_routes(server, q);
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
