#include "commands.hpp"

#include "format.hpp"
#include "requests.hpp"
#include "session.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace kumo::cli {

using nlohmann::json;

namespace {

/// The client for a command, or the exit code when there is none.
std::variant<http_client, exit_code> client_for(const parsed_args& args,
                                                bool needs_token) {
  auto t = resolve_target(args, needs_token);
  if (auto* code = std::get_if<exit_code>(&t))
    return *code;
  auto& tg = std::get<target>(t);
  // Public routes get no credentials: a secret is sent only where needed.
  return http_client{tg.url, needs_token ? tg.token : std::string{},
                     args.has("verbose")};
}

/// Prints `doc` as JSON or as `human(doc)` text.
template <class Human>
void show(const parsed_args& args, const json& doc, Human human) {
  if (args.has("json"))
    print_json(doc);
  else
    std::cout << human(doc) << std::flush;
}

/// Messages for the library routes while a gateway does not serve them.
exit_code library_failure(const http_client& client, const http_result& r,
                          const std::string& what) {
  // A route about one series answers 404 for an unknown key: that is the
  // answer, not a missing route.
  if (r.reached && r.status == 404 && what != "series detail" &&
      what != "scan of a series") {
    std::fprintf(stderr,
                 "kumo: %s: this gateway (%s) does not serve the library "
                 "routes (/api/series answered 404); a gateway with the "
                 "library API is needed\n",
                 what.c_str(), client.base_url().c_str());
    return exit_api_error;
  }
  if (r.reached && r.status == 503) {
    std::fprintf(stderr,
                 "kumo: %s: the library is unavailable right now (%s); is "
                 "the scanner running?\n",
                 what.c_str(), error_message(r.status, r.body).c_str());
    return exit_api_error;
  }
  return report_failure(r, what, client.base_url());
}

} // namespace

std::variant<json, exit_code>
call_json(const http_client& client, const std::string& method,
          const std::string& path, const json* body, const std::string& what) {
  std::string text = body != nullptr ? body->dump() : std::string{};
  auto r = client.request(method, path, body != nullptr ? &text : nullptr);
  if (!r.reached || r.status < 200 || r.status >= 300 || !r.error.empty())
    return report_failure(r, what, client.base_url());
  auto doc = parse_answer(r, what);
  if (!doc)
    return exit_unreachable;
  return *doc;
}

exit_code run_add(const parsed_args& args) {
  auto request = build_add_request(args);
  if (auto* err = std::get_if<usage_error>(&request)) {
    std::fprintf(stderr, "kumo: %s\n", err->message.c_str());
    return exit_usage;
  }
  auto client = client_for(args, true);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  auto answer = call_json(std::get<http_client>(client), "POST",
                          "/api/queue/add", &std::get<json>(request), "add");
  if (auto* code = std::get_if<exit_code>(&answer))
    return *code;
  show(args, std::get<json>(answer), format_added);
  return exit_ok;
}

exit_code run_queue(const parsed_args& args) {
  auto limit = args.get("limit").value_or("50");
  if (limit.empty() || limit.size() > 3 ||
      limit.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(limit) < 1 || std::stoi(limit) > 200) {
    std::fprintf(stderr, "kumo: queue: --limit must be 1 to 200\n");
    return exit_usage;
  }
  auto client = client_for(args, true);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  auto& c = std::get<http_client>(client);
  if (args.has("watch"))
    return run_queue_watch(args, c);
  auto answer = call_json(c, "GET", "/api/queue/status?limit=" + limit, nullptr,
                          "queue status");
  if (auto* code = std::get_if<exit_code>(&answer))
    return *code;
  show(args, std::get<json>(answer), format_queue);
  return exit_ok;
}

exit_code run_item_action(const parsed_args& args) {
  auto client = client_for(args, true);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  auto& c = std::get<http_client>(client);
  const auto& action = args.command;
  if (args.has("all")) {
    auto answer = call_json(c, "POST", "/api/queue/" + action, nullptr,
                            action + " of the queue");
    if (auto* code = std::get_if<exit_code>(&answer))
      return *code;
    show(args, std::get<json>(answer),
         [&](const json&) { return "queue: " + action + "d\n"; });
    return exit_ok;
  }
  exit_code worst = exit_ok;
  json answers = json::array();
  for (const auto& id : args.positionals) {
    std::string path = "/api/queue/";
    path.append(id).append("/").append(action);
    std::string what = action;
    what.append(" ").append(id);
    auto answer = call_json(c, "POST", path, nullptr, what);
    if (auto* code = std::get_if<exit_code>(&answer)) {
      worst = std::max(worst, *code);
      if (*code == exit_unreachable || *code == exit_auth)
        return *code; // the next ones would fail the same way
      continue;
    }
    answers.push_back(std::get<json>(answer));
    if (!args.has("json"))
      std::cout << id << ": "
                << (action == "cancel" ? std::string{"cancelled"}
                                       : action + "d")
                << "\n";
  }
  if (args.has("json"))
    print_json(answers.size() == 1 ? answers[0] : answers);
  return worst;
}

exit_code run_retry(const parsed_args& args) {
  auto client = client_for(args, true);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  json body = json::object();
  if (!args.has("all"))
    body["ids"] = args.positionals;
  auto answer = call_json(std::get<http_client>(client), "POST",
                          "/api/queue/retry", &body, "retry");
  if (auto* code = std::get_if<exit_code>(&answer))
    return *code;
  show(args, std::get<json>(answer), [](const json& doc) {
    return "retried: " +
           doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  });
  return exit_ok;
}

exit_code run_series(const parsed_args& args) {
  auto client = client_for(args, true);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  auto& c = std::get<http_client>(client);
  bool one = !args.positionals.empty();
  auto path = one ? "/api/series/" + http_client::escape(args.positionals[0])
                  : std::string{"/api/series"};
  auto what = std::string{one ? "series detail" : "series list"};
  auto r = c.request("GET", path);
  if (!r.reached || r.status != 200 || !r.error.empty())
    return library_failure(c, r, what);
  auto doc = parse_answer(r, what);
  if (!doc)
    return exit_unreachable;
  show(args, *doc, one ? format_series_detail : format_series_list);
  return exit_ok;
}

exit_code run_scan(const parsed_args& args) {
  auto client = client_for(args, true);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  auto& c = std::get<http_client>(client);
  json body = json::object();
  if (!args.positionals.empty())
    body["key"] = args.positionals[0];
  auto text = body.dump();
  auto r = c.request("POST", "/api/series/rescan", &text);
  if (!r.reached || r.status < 200 || r.status >= 300 || !r.error.empty())
    return library_failure(
        c, r, args.positionals.empty() ? "scan" : "scan of a series");
  auto doc = parse_answer(r, "scan");
  if (!doc)
    return exit_unreachable;
  json scan = doc->contains("scan") ? (*doc)["scan"] : *doc;
  if (args.has("wait"))
    return run_scan_wait(args, c, scan);
  show(args, *doc, [&](const json&) { return format_scan(scan); });
  return exit_ok;
}

exit_code run_health(const parsed_args& args) {
  auto client = client_for(args, false);
  if (auto* code = std::get_if<exit_code>(&client))
    return *code;
  auto& c = std::get<http_client>(client);
  auto r = c.request("GET", "/api/health");
  if (!r.reached || (r.status != 200 && r.status != 503) || !r.error.empty())
    return report_failure(r, "health", c.base_url());
  auto doc = parse_answer(r, "health");
  if (!doc)
    return exit_unreachable;
  show(args, *doc, format_health);
  return r.status == 200 ? exit_ok : exit_api_error;
}

} // namespace kumo::cli
