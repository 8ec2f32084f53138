// /api/series, /api/library/* and /api/tasks: converted here
// (series_requests.hpp), answered by the scanner over NATS
// (kumo.scanner.cmd.<op>, docs/library.md).

#include "command_forwarder.hpp"
#include "http/http_server.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"
#include "routes.hpp"
#include "series_requests.hpp"

#include <httplib.h>
#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

using forwarder_ptr = std::shared_ptr<const command_forwarder>;

/// Any text after /api/series/, so a malformed key (also one holding a
/// decoded "/", CR or LF, which "." would not match) gets a 400 naming
/// `key` rather than a 404.
constexpr const char* series_path = R"(/api/series/([\s\S]*))";

const checked_request no_arguments =
    checked_request::valid(nlohmann::json::object());

void add_series_routes(httplib::Server& server, const forwarder_ptr& scanner) {
  auto forward = [scanner](httplib::Response& res, const std::string& op,
                           const checked_request& request, int status = 200) {
    send_answer(res, scanner->forward(op, request, status));
  };
  server.Get("/api/series", [forward](const auto& req, auto& res) {
    forward(res, "series_list", check_series_list(req.params));
  });
  server.Post("/api/series", [forward](const auto& req, auto& res) {
    forward(res, "series_add", check_series_add(req.body), 201);
  });
  // Before the {key} pattern, which would take "rescan" as a key.
  server.Post("/api/series/rescan", [forward](const auto& req, auto& res) {
    forward(res, "rescan", check_optional_body(req.body), 202);
  });
  // Before the {key} pattern, which would take "key/history" as a key.
  server.Get(R"(/api/series/([^/]*)/history)",
             [forward](const auto& req, auto& res) {
               forward(res, "series_history",
                       check_series_history(req.matches[1].str(), req.params));
             });
  server.Get(series_path, [forward](const auto& req, auto& res) {
    forward(res, "series_get", check_series_key(req.matches[1].str()));
  });
  server.Patch(series_path, [forward](const auto& req, auto& res) {
    forward(res, "series_update",
            check_series_update(req.matches[1].str(), req.body));
  });
  server.Delete(series_path, [forward](const auto& req, auto& res) {
    forward(res, "series_delete",
            check_series_delete(req.matches[1].str(), req.params));
  });
}

void add_library_routes(httplib::Server& server, const forwarder_ptr& scanner) {
  auto forward = [scanner](httplib::Response& res, const std::string& op,
                           const checked_request& request) {
    send_answer(res, scanner->forward(op, request));
  };
  server.Get("/api/library/scan", [forward](const auto&, auto& res) {
    forward(res, "scan_status", no_arguments);
  });
  server.Post("/api/library/scan/cancel",
              [forward](const auto& req, auto& res) {
                forward(res, "scan_cancel", check_optional_body(req.body));
              });
  server.Get("/api/library/unmatched", [forward](const auto&, auto& res) {
    forward(res, "unmatched", no_arguments);
  });
  server.Post("/api/library/import-legacy",
              [forward](const auto& req, auto& res) {
                forward(res, "import_legacy", check_optional_body(req.body));
              });
}

/// The scheduled tasks, kept by the scanner. The name is checked there; a
/// name that is not UTF-8 cannot be put in JSON and is refused here.
void add_task_routes(httplib::Server& server, const forwarder_ptr& scanner) {
  server.Get("/api/tasks", [scanner](const auto&, auto& res) {
    send_answer(res, scanner->forward("tasks", no_arguments));
  });
  server.Post(
      R"(/api/tasks/([^/]*)/run)", [scanner](const auto& req, auto& res) {
        auto name = req.matches[1].str();
        auto request =
            is_utf8(name)
                ? checked_request::valid({{"name", name}})
                : checked_request::invalid({"name", "must be valid UTF-8"});
        send_answer(res, scanner->forward("task_run", request, 202));
      });
}

} // namespace

std::unique_ptr<route_module> make_series_module(httplib::Server& server,
                                                 service_context& ctx,
                                                 const bus_client& bus) {
  auto& failures = prometheus::BuildCounter()
                       .Name("kumo_gateway_scanner_unavailable_total")
                       .Help("Series and library requests answered 503: no "
                             "scanner answered in time.")
                       .Register(ctx.metrics.registry());
  auto scanner = std::make_shared<const command_forwarder>(
      bus, "scanner", subjects::scanner_cmd, &failures.Add({}));
  add_series_routes(server, scanner);
  add_library_routes(server, scanner);
  add_task_routes(server, scanner);
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
