// /api/providers/*: provider health, runtime settings and failover chain,
// checked here with the provider contracts and answered by the queue over
// NATS (kumo.queue.cmd.provider_*).

#include "command_forwarder.hpp"
#include "http/http_server.hpp"
#include "kumo/contracts/provider_requests.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"
#include "routes.hpp"

#include <httplib.h>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;
using forwarder_ptr = std::shared_ptr<const command_forwarder>;

/// Any text as the name, so a malformed one (also one holding a decoded
/// "/", CR or LF) gets a 400 naming `name` rather than a 404.
constexpr const char* health_path = R"(/api/providers/health/([\s\S]*))";
constexpr const char* reset_path = R"(/api/providers/health/([\s\S]*)/reset)";
constexpr const char* config_path = R"(/api/providers/config/([\s\S]*))";
constexpr const char* switch_path =
    R"(/api/providers/config/([\s\S]*)/(enable|disable))";
constexpr const char* chain_path = R"(/api/providers/failover/([\s\S]*))";
constexpr const char* chain_add_path =
    R"(/api/providers/failover/([\s\S]*)/add)";

const checked_request no_arguments = checked_request::valid(json::object());

checked_request check_name(const std::string& name) {
  auto r = contracts::parse_provider_name(json{{"name", name}});
  if (!r)
    return checked_request::invalid(r.error());
  return checked_request::valid(contracts::to_json(*r));
}

/// PUT /api/providers/config/{name}: the body holds the settings to change.
/// Field names in refusals are the body's ("timeout_s").
checked_request check_update(const std::string& name, const std::string& body) {
  auto named = check_name(name);
  if (!named.ok())
    return named;
  auto settings = contracts::parse_object(body, false);
  if (!settings)
    return checked_request::invalid(settings.error());
  auto r = contracts::parse_provider_update(
      json{{"name", name}, {"settings", *settings}});
  if (!r) {
    auto why = r.error();
    const std::string prefix = "settings.";
    if (why.field.rfind(prefix, 0) == 0)
      why.field = why.field.substr(prefix.size());
    else if (why.field == "settings")
      why = {"", "body must change at least one provider setting"};
    return checked_request::invalid(why);
  }
  return checked_request::valid(contracts::to_json(*r));
}

void add_health_routes(httplib::Server& server, const forwarder_ptr& q) {
  auto forward = [q](httplib::Response& res, const std::string& op,
                     const checked_request& request) {
    send_answer(res, q->forward(op, request));
  };
  server.Get("/api/providers/health", [forward](const auto&, auto& res) {
    forward(res, "provider_health", no_arguments);
  });
  server.Get("/api/providers/available", [forward](const auto&, auto& res) {
    forward(res, "provider_available", no_arguments);
  });
  server.Get("/api/providers/best", [forward](const auto&, auto& res) {
    forward(res, "provider_best", no_arguments);
  });
  server.Get(health_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_health_get", check_name(req.matches[1].str()));
  });
  server.Post(reset_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_health_reset", check_name(req.matches[1].str()));
  });
}

void add_config_routes(httplib::Server& server, const forwarder_ptr& q) {
  auto forward = [q](httplib::Response& res, const std::string& op,
                     const checked_request& request) {
    send_answer(res, q->forward(op, request));
  };
  server.Get("/api/providers/config", [forward](const auto&, auto& res) {
    forward(res, "provider_config", no_arguments);
  });
  server.Get(config_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_config_get", check_name(req.matches[1].str()));
  });
  server.Put(config_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_config_set",
            check_update(req.matches[1].str(), req.body));
  });
  server.Post(switch_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_" + req.matches[2].str(),
            check_name(req.matches[1].str()));
  });
  server.Get("/api/providers/failover", [forward](const auto&, auto& res) {
    forward(res, "provider_failover", no_arguments);
  });
  server.Post(chain_add_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_failover_add", check_name(req.matches[1].str()));
  });
  server.Delete(chain_path, [forward](const auto& req, auto& res) {
    forward(res, "provider_failover_remove", check_name(req.matches[1].str()));
  });
}

} // namespace

std::unique_ptr<route_module> make_providers_module(httplib::Server& server,
                                                    service_context& ctx,
                                                    const bus_client& bus) {
  auto& failures = prometheus::BuildCounter()
                       .Name("kumo_gateway_providers_unavailable_total")
                       .Help("Provider requests answered 503: no queue "
                             "service answered in time.")
                       .Register(ctx.metrics.registry());
  auto q = std::make_shared<const command_forwarder>(
      bus, "queue", subjects::queue_cmd, &failures.Add({}));
  add_health_routes(server, q);
  add_config_routes(server, q);
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
