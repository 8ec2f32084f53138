// /api/queue/*: validated here, answered by the queue service over NATS
// (kumo.queue.cmd.<op>).

#include "bus_client.hpp"
#include "http/http_server.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
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

class queue_forwarder {
public:
  queue_forwarder(const bus_client& bus, prometheus::Counter* unavailable)
      : bus_(bus), unavailable_(unavailable) {
    // nop
  }

  /// Sends a validated request to kumo.queue.cmd.<op> and writes the answer;
  /// answers 400 for an invalid one without sending anything.
  void forward(const std::string& op, const checked_request& request,
               httplib::Response& res, int success_status = 200) const {
    if (!request.ok()) {
      send_json(res,
                {{"error",
                  {{"code", "invalid_argument"},
                   {"message", request.error},
                   {"field", request.field}}}},
                400);
      return;
    }
    auto reply = bus_.request(subjects::queue_cmd(op), request.payload.dump());
    const http_answer answer = reply ? answer_from_reply(*reply, success_status)
                                     : bus_failure(op, reply.error());
    if (answer.status == 503)
      res.set_header("Retry-After", "5");
    send_json(res, answer.body, answer.status);
  }

private:
  /// Logs and counts a request the bus could not deliver; its answer.
  http_answer bus_failure(const std::string& op, const caf::error& err) const {
    auto code = to_string(code_of(err));
    log::warn("queue request failed", {{"op", op}, {"error", code}});
    if (unavailable_)
      unavailable_->Increment();
    return answer_from_bus_failure(code);
  }

  const bus_client& bus_;
  prometheus::Counter* unavailable_;
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
  auto q = std::make_shared<const queue_forwarder>(bus, &failures.Add({}));
  // Fixed paths first: httplib tries the patterns in registration order.
  // main's configure already refused a bad allowlist.
  auto rules = *queue_route_rules(ctx.config);
  add_queue_routes(server, q, rules);
  add_item_routes(server, q);
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
