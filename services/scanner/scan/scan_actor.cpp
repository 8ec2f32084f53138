// One scan on a thread of its own, and the catalog actor.

#include "actors.hpp"
#include "catalog/catalog_store.hpp"
#include "catalog/replies.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "kumo/wire.hpp"
#include "scanner_metrics.hpp"

#include <caf/all.hpp>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

wire::progress_update progress_of(const std::string& status, const json& scan) {
  wire::progress_update u;
  u.id = "scan:" + std::to_string(scan.value("id", std::int64_t{0}));
  u.kind = "scan";
  u.status = status;
  auto key = scan.value("key", json(nullptr));
  u.key = key.is_string() ? key.get<std::string>() : "";
  u.title = u.key.empty() ? "Library scan" : "Scan of " + u.key;
  u.message = std::to_string(scan.value("files", 0)) + " files in " +
              std::to_string(scan.value("folders", 0)) + " folders";
  u.current = scan.value("files", std::int64_t{0});
  u.metadata = {{"scan", scan}};
  return u;
}

void scan_thread(caf::blocking_actor* self, const caf::actor& parent,
                 const scan_context& ctx, const scan_spec& spec,
                 const std::string& reply_to, const std::string& reply_body) {
  auto began = std::chrono::steady_clock::now();
  bool answered = false;
  auto answer = [&](const std::string& body) {
    if (!answered && !reply_to.empty())
      self->send(ctx.bus, publish_atom::value, reply_to,
                 reply_body.empty() ? body : reply_body);
    answered = true;
  };
  std::string outcome = "failed";
  json final_scan = json::object();
  try {
    scan_store store(ctx.database_url);
    scan_hooks hooks;
    hooks.stop = ctx.stop.get();
    hooks.started = [&](const std::string& how, const json& scan) {
      if (how == "not_found")
        return answer(error_body(errc::not_found, "key",
                                 "no series with key '" + spec.key + "'"));
      if (how == "busy")
        outcome = "busy";
      answer(dump(json{{"scan", scan}}));
    };
    hooks.progress = [&](const std::string& status, const json& scan) {
      self->send(ctx.bus, publish_atom::value, subjects::progress("scan"),
                 encode(progress_of(status, scan)));
    };
    auto done = run_scan(store, spec, *ctx.memory, hooks);
    if (done.is_object()) {
      outcome = done.value("state", "failed");
      final_scan = done;
    }
    auto totals = store.catalog_counts();
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - began;
    ctx.metrics->scan_finished(outcome, took.count(),
                               done.is_object() ? done.value("files", 0.0)
                                                : 0.0,
                               static_cast<double>(totals.series),
                               static_cast<double>(totals.unmatched));
    if (outcome != "busy")
      ctx.metrics->set_episodes(totals);
    log::info("scan finished", {{"outcome", outcome}, {"scan", done}});
  } catch (const std::exception& e) {
    log::error("scan failed", {{"error", e.what()}});
    answer(error_body(errc::unavailable, "", "the scan could not run"));
    ctx.metrics->scan_finished("failed", 0, 0, 0, 0);
  }
  self->send(parent, scan_done_atom::value, outcome, final_scan.dump());
}

struct catalog_state {
  static inline const char* name = "kumo.scanner.catalog";
  std::unique_ptr<catalog_store> store;
};

catalog_actor::behavior_type
catalog_worker(catalog_actor::stateful_pointer<catalog_state> self,
               std::string database_url, const library_roots& roots) {
  self->state.store =
      std::make_unique<catalog_store>(std::move(database_url), roots);
  return {
      [=](execute_atom, const scanner_request& req) -> std::string {
        auto r = self->state.store->execute(req);
        if (r)
          return dump(*r);
        if (code_of(r.error()) == errc::internal)
          log::error(
              "catalog request failed",
              {{"op", op_name(req.kind)}, {"error", message_of(r.error())}});
        return error_body(r.error());
      },
  };
}

} // namespace

catalog_actor spawn_catalog(caf::actor_system& sys, std::string database_url,
                            library_roots roots) {
  return sys.spawn<caf::detached>(catalog_worker, std::move(database_url),
                                  std::move(roots));
}

void spawn_scan(caf::actor_system& sys, const caf::actor& parent,
                const scan_context& ctx, scan_spec spec, std::string reply_to,
                std::string reply_body) {
  sys.spawn(scan_thread, parent, ctx, std::move(spec), std::move(reply_to),
            std::move(reply_body));
}

} // namespace kumo::scanner
