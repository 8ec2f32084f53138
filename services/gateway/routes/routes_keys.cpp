#include "routes/routes_keys.hpp"

#include "auth/auth_gate.hpp"
#include "auth/tokens.hpp"
#include "bus_client.hpp"
#include "http/http_server.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "routes.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace kumo::gateway {

namespace {

struct key_routes {
  std::shared_ptr<auth_gate> gate;
  std::shared_ptr<stream_sessions> sessions;
  const bus_client* bus;
  const char* revoked_subject;
};

void store_failed(httplib::Response& res, const caf::error& err) {
  log::warn("key store failed", {{"error", message_of(err)}});
  send_error(res, 503, "unavailable", "key store unavailable; try again");
}

/// False (after answering 403) when a named key asks to manage keys.
bool admin_only(const httplib::Request& req, httplib::Response& res) {
  auto creds = extract_credentials(req.get_header_value("Authorization"),
                                   req.get_header_value("X-Api-Key"),
                                   req.get_header_value("Cookie"));
  if (!auth_gate::is_named_key(creds))
    return true;
  send_error(res, 403, "forbidden",
             "API keys are managed by the master account: log in, or use the "
             "operator's api_key");
  return false;
}

void handle_create(const key_routes& ctx, const httplib::Request& req,
                   httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
      !body["name"].is_string())
    return send_error(res, 400, "invalid_argument",
                      R"(body must be a JSON object {"name": "..."})");
  auto name = body["name"].get<std::string>();
  if (auto problem = key_name_problem(name))
    return send_error(res, 400, "invalid_argument", *problem);
  auto key = new_api_key();
  if (key.empty())
    return send_error(res, 500, "internal", "no randomness for a key");
  auto record =
      ctx.gate->keys().create(name, api_key_prefix(key), token_hash(key));
  if (!record)
    return store_failed(res, record.error());
  auto out = nlohmann::json::parse(*record);
  out["key"] = key;
  log::info("API key created", {{"id", out["id"]}, {"name", name}});
  send_json(res, out, 201);
}

void handle_list(const key_routes& ctx, httplib::Response& res) {
  auto list = ctx.gate->keys().list();
  if (!list)
    return store_failed(res, list.error());
  send_json(res, {{"keys", nlohmann::json::parse(*list)}});
}

/// Deletes the key, ends its event streams here and tells the other
/// gateways to forget it.
void handle_revoke(const key_routes& ctx, const httplib::Request& req,
                   httplib::Response& res) {
  auto text = req.matches[1].str();
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(text) <= 0)
    return send_error(res, 400, "invalid_argument",
                      "id must be a positive integer");
  auto id = static_cast<int64_t>(std::stoll(text));
  auto hash = ctx.gate->revoke_key(id);
  if (!hash)
    return store_failed(res, hash.error());
  if (hash->empty())
    return send_error(res, 404, "not_found", "no API key " + text);
  ctx.sessions->streams.revoke(*hash);
  ctx.bus->publish(ctx.revoked_subject, *hash);
  log::info("API key revoked", {{"id", id}});
  send_json(res, {{"revoked", true}, {"id", id}});
}

} // namespace

void add_key_routes(httplib::Server& server, std::shared_ptr<auth_gate> gate,
                    std::shared_ptr<stream_sessions> sessions,
                    const bus_client* bus, const char* revoked_subject) {
  auto ctx = std::make_shared<const key_routes>(
      key_routes{std::move(gate), std::move(sessions), bus, revoked_subject});
  server.Post("/api/keys", [ctx](const auto& req, auto& res) {
    if (admin_only(req, res))
      handle_create(*ctx, req, res);
  });
  server.Get("/api/keys", [ctx](const auto& req, auto& res) {
    if (admin_only(req, res))
      handle_list(*ctx, res);
  });
  server.Delete(R"(/api/keys/([^/]*))", [ctx](const auto& req, auto& res) {
    if (admin_only(req, res))
      handle_revoke(*ctx, req, res);
  });
}

} // namespace kumo::gateway
