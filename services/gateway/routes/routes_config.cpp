// /api/config: the runtime configuration users change (config_schema.hpp),
// stored by the gateway with a backup of every replaced document, and
// announced to the services on kumo.config.changed.

#include "routes/routes_config.hpp"

#include "bus_client.hpp"
#include "config/config_schema.hpp"
#include "config/config_store.hpp"
#include "http/http_server.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/config_subjects.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"

#include <caf/all.hpp>
#include <httplib.h>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;

/// Backups kept in gateway_config_backups.
constexpr int64_t keep_backups = 20;

struct config_context {
  config_client store;
  const bus_client* bus;
};
using context_ptr = std::shared_ptr<const config_context>;

void store_failed(httplib::Response& res, const caf::error& err) {
  log::warn("config store failed", {{"error", message_of(err)}});
  send_error(res, 503, "unavailable", "config store unavailable; try again");
}

void send_invalid(httplib::Response& res,
                  const std::vector<field_error>& errors) {
  send_json(res,
            {{"error",
              {{"code", "invalid_argument"},
               {"message", "the configuration has errors; nothing was saved"},
               {"fields", to_json(errors)}}}},
            400);
}

/// The body as JSON, or nullopt after answering 400.
std::optional<json> body_of(const httplib::Request& req,
                            httplib::Response& res) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    send_error(res, 400, "invalid_argument", "body must be JSON");
    return std::nullopt;
  }
  return body;
}

/// Announces the new document and answers it with what applies how.
void announce(const config_context& ctx, httplib::Response& res,
              const config_change& change, const json& touched) {
  ctx.bus->publish(subjects::config_changed, change.document.dump());
  log::info("configuration changed", {{"backup", change.backup}});
  send_json(res, {{"config", redact_config(with_fallbacks(change.document))},
                  {"applied", applied_of(touched)},
                  {"backup", change.backup}});
}

void handle_get(const config_context& ctx, httplib::Response& res) {
  auto doc = ctx.store.get();
  if (!doc)
    return store_failed(res, doc.error());
  send_json(res, {{"config", redact_config(with_fallbacks(*doc))},
                  {"fields", describe_config()}});
}

void handle_put(const config_context& ctx, const httplib::Request& req,
                httplib::Response& res) {
  auto patch = body_of(req, res);
  if (!patch)
    return;
  if (auto errors = validate_config(*patch); !errors.empty())
    return send_invalid(res, errors);
  auto change = ctx.store.put(*patch);
  if (!change)
    return store_failed(res, change.error());
  announce(ctx, res, *change, *patch);
}

void handle_validate(const httplib::Request& req, httplib::Response& res) {
  auto patch = body_of(req, res);
  if (!patch)
    return;
  auto errors = validate_config(*patch);
  send_json(res, {{"valid", errors.empty()}, {"errors", to_json(errors)}});
}

void handle_backups(const config_context& ctx, httplib::Response& res) {
  auto list = ctx.store.backups();
  if (!list)
    return store_failed(res, list.error());
  send_json(res, {{"backups", *list}, {"kept", keep_backups}});
}

void handle_restore(const config_context& ctx, const httplib::Request& req,
                    httplib::Response& res) {
  auto name = req.matches[1].str();
  if (!is_backup_name(name))
    return send_error(res, 400, "invalid_argument",
                      "a backup name looks like config-20260101-120000-7");
  auto change = ctx.store.restore(name);
  if (!change && code_of(change.error()) == errc::not_found)
    return send_error(res, 404, "not_found", "no backup " + name);
  if (!change)
    return store_failed(res, change.error());
  announce(ctx, res, *change, change->document);
}

/// Answers kumo.gateway.config.current (services ask at start).
bus_listener::behavior_type current_responder(bus_listener::pointer self,
                                              const bus_actor& bus,
                                              const config_store_actor& store) {
  subscribe(self, bus, std::string{subjects::config_current},
            subjects::gateway_group);
  return {
      [=](const bus_message& msg) {
        self->request(store, std::chrono::seconds(5), config_get_atom::value)
            .then([=](const std::string& doc) { reply(self, bus, msg, doc); },
                  [](const caf::error& err) {
                    log::warn("cannot answer the configuration",
                              {{"error", message_of(err)}});
                  });
      },
  };
}

class config_module : public route_module {
public:
  config_module(config_store_actor store, bus_listener responder)
      : store_(std::move(store)), responder_(std::move(responder)) {
    // nop
  }

  ~config_module() override {
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(responder_, caf::exit_reason::user_shutdown);
  }

private:
  config_store_actor store_;
  bus_listener responder_;
};

} // namespace

std::unique_ptr<route_module> make_config_module(httplib::Server& server,
                                                 service_context& ctx,
                                                 const bus_client& bus) {
  auto deadline = caf::timespan{
      std::chrono::milliseconds(ctx.config.millis("request_timeout"))};
  auto store = spawn_config_store(ctx.system, ctx.config.text("database_url"),
                                  keep_backups);
  auto shared = std::make_shared<const config_context>(
      config_context{config_client{ctx.system, store, deadline}, &bus});
  server.Get("/api/config",
             [shared](const auto&, auto& res) { handle_get(*shared, res); });
  server.Put("/api/config", [shared](const auto& req, auto& res) {
    handle_put(*shared, req, res);
  });
  server.Post("/api/config/validate",
              [](const auto& req, auto& res) { handle_validate(req, res); });
  server.Get("/api/config/backups", [shared](const auto&, auto& res) {
    handle_backups(*shared, res);
  });
  server.Post(R"(/api/config/backups/([^/]*)/restore)",
              [shared](const auto& req, auto& res) {
                handle_restore(*shared, req, res);
              });
  auto responder = ctx.system.spawn(current_responder, ctx.bus, store);
  return std::make_unique<config_module>(store, responder);
}

} // namespace kumo::gateway
