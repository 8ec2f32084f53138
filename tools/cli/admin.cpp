// `kumo keys create|list|revoke` and `kumo config get|set|validate`: the
// gateway's /api/keys and /api/config.

#include "admin_requests.hpp"
#include "commands.hpp"
#include "session.hpp"

#include <cstdio>
#include <iostream>

namespace kumo::cli {

using nlohmann::json;

namespace {

std::optional<http_client> client_of(const parsed_args& args, exit_code& code) {
  auto t = resolve_target(args, true);
  if (auto* c = std::get_if<exit_code>(&t)) {
    code = *c;
    return std::nullopt;
  }
  auto& tg = std::get<target>(t);
  return http_client{tg.url, tg.token, args.has("verbose")};
}

exit_code usage(const std::string& message) {
  std::fprintf(stderr, "kumo: %s\n", message.c_str());
  return exit_usage;
}

exit_code keys_create(const parsed_args& args, const http_client& c) {
  if (args.positionals.size() != 2)
    return usage("keys create NAME: give the key's name");
  json body = {{"name", args.positionals[1]}};
  auto answer = call_json(c, "POST", "/api/keys", &body, "create key");
  if (auto* code = std::get_if<exit_code>(&answer))
    return *code;
  const auto& doc = std::get<json>(answer);
  if (args.has("json")) {
    print_json(doc);
    return exit_ok;
  }
  std::cout << "created key " << doc.value("id", 0) << " ("
            << doc.value("prefix", "") << "...)\n"
            << doc.value("key", "") << "\n"
            << "store it now: it is not shown again\n";
  return exit_ok;
}

exit_code run_keys_with(const parsed_args& args, const http_client& c) {
  const auto& sub = args.positionals[0];
  if (sub == "create")
    return keys_create(args, c);
  if (sub == "list") {
    auto answer = call_json(c, "GET", "/api/keys", nullptr, "list keys");
    if (auto* code = std::get_if<exit_code>(&answer))
      return *code;
    if (args.has("json"))
      print_json(std::get<json>(answer));
    else
      std::cout << format_keys(std::get<json>(answer));
    return exit_ok;
  }
  if (sub == "revoke" && args.positionals.size() == 2) {
    auto id = key_id(args.positionals[1]);
    if (auto* err = std::get_if<usage_error>(&id))
      return usage(err->message);
    auto answer = call_json(
        c, "DELETE", "/api/keys/" + std::to_string(std::get<long long>(id)),
        nullptr, "revoke key");
    if (auto* code = std::get_if<exit_code>(&answer))
      return *code;
    if (args.has("json"))
      print_json(std::get<json>(answer));
    else
      std::cout << "revoked key " << args.positionals[1] << "\n";
    return exit_ok;
  }
  return usage("keys: use keys create NAME | keys list | keys revoke ID");
}

/// A refused save or validation: the field errors on stderr, exit 1.
exit_code field_errors(const std::string& what, const json& errors) {
  std::fprintf(stderr, "kumo: %s: the configuration has errors\n%s",
               what.c_str(), format_field_errors(errors).c_str());
  return exit_api_error;
}

exit_code config_change(const parsed_args& args, const http_client& c,
                        bool save) {
  std::vector<std::string> assignments(args.positionals.begin() + 1,
                                       args.positionals.end());
  auto patch = config_patch(assignments);
  if (auto* err = std::get_if<usage_error>(&patch))
    return usage(err->message);
  auto text = std::get<json>(patch).dump();
  auto r = c.request(save ? "PUT" : "POST",
                     save ? "/api/config" : "/api/config/validate", &text);
  auto what = save ? std::string{"config set"} : "config validate";
  if (r.reached && r.error.empty() && r.status == 400) {
    auto doc = json::parse(r.body, nullptr, false);
    if (doc.is_object() && doc.contains("error") &&
        doc["error"].contains("fields"))
      return field_errors(what, doc["error"]["fields"]);
  }
  if (!r.reached || r.status < 200 || r.status >= 300 || !r.error.empty())
    return report_failure(r, what, c.base_url());
  auto doc = parse_answer(r, what);
  if (!doc)
    return exit_unreachable;
  if (args.has("json"))
    print_json(*doc);
  if (!save) {
    if (!doc->value("valid", false))
      return field_errors(what, (*doc)["errors"]);
    if (!args.has("json"))
      std::cout << "valid: nothing was saved\n";
    return exit_ok;
  }
  if (!args.has("json")) {
    std::cout << "saved; the old values are in backup "
              << doc->value("backup", "?") << "\n";
    for (const auto& [field, how] : (*doc)["applied"].items())
      std::cout << "  " << field << ": applied "
                << (how == "live" ? "now" : "at the next restart") << "\n";
  }
  return exit_ok;
}

exit_code run_config_with(const parsed_args& args, const http_client& c) {
  const auto& sub = args.positionals[0];
  if (sub == "get" && args.positionals.size() == 1) {
    auto answer = call_json(c, "GET", "/api/config", nullptr, "config get");
    if (auto* code = std::get_if<exit_code>(&answer))
      return *code;
    if (args.has("json"))
      print_json(std::get<json>(answer));
    else
      std::cout << format_config(std::get<json>(answer));
    return exit_ok;
  }
  if (sub == "set" || sub == "validate")
    return config_change(args, c, sub == "set");
  return usage("config: use config get | config set SECTION.FIELD=VALUE... | "
               "config validate SECTION.FIELD=VALUE...");
}

} // namespace

exit_code run_keys(const parsed_args& args) {
  exit_code code = exit_ok;
  auto c = client_of(args, code);
  return c ? run_keys_with(args, *c) : code;
}

exit_code run_config(const parsed_args& args) {
  exit_code code = exit_ok;
  auto c = client_of(args, code);
  return c ? run_config_with(args, *c) : code;
}

} // namespace kumo::cli
