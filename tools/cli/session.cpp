#include "session.hpp"

#include "credentials.hpp"
#include "format.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace kumo::cli {

namespace {

const char* const default_url = "http://127.0.0.1:8080";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string trimmed(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

} // namespace

std::variant<target, exit_code> resolve_target(const parsed_args& args,
                                               bool needs_token) {
  target t;
  t.url = trimmed(args.get("url").value_or(env("KUMO_URL")));
  t.token = env("KUMO_API_KEY");
  bool need_file = t.url.empty() || (needs_token && t.token.empty());
  if (need_file) {
    auto loaded = saved_credentials();
    if (!loaded) {
      std::fprintf(stderr, "kumo: %s\n", loaded.error().message.c_str());
      return exit_auth;
    }
    const auto& saved = *loaded;
    if (saved && t.url.empty())
      t.url = trimmed(saved->url);
    if (saved && t.token.empty() && trimmed(saved->url) == t.url)
      t.token = saved->token;
  }
  if (t.url.empty())
    t.url = default_url;
  if (t.url.rfind("http://", 0) != 0 && t.url.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "kumo: the gateway URL must start with http:// or "
                         "https://\n");
    return exit_usage;
  }
  if (needs_token && t.token.empty()) {
    std::fprintf(stderr,
                 "kumo: not logged in to %s: run `kumo login --url %s` (or "
                 "set KUMO_API_KEY)\n",
                 t.url.c_str(), t.url.c_str());
    return exit_auth;
  }
  return t;
}

exit_code report_failure(const http_result& r, const std::string& what,
                         const std::string& url) {
  if (!r.reached) {
    std::fprintf(stderr, "kumo: cannot reach the gateway at %s (%s): %s\n",
                 url.c_str(), what.c_str(),
                 r.error.empty() ? "no answer" : r.error.c_str());
    return exit_unreachable;
  }
  auto message = error_message(r.status, r.body);
  if (r.status == 401) {
    std::fprintf(stderr,
                 "kumo: %s: not authenticated: %s; run `kumo login` (or set "
                 "KUMO_API_KEY)\n",
                 what.c_str(), message.c_str());
    return exit_auth;
  }
  if (!r.error.empty() && r.status >= 200 && r.status < 300) {
    std::fprintf(stderr, "kumo: %s: the answer broke off: %s\n", what.c_str(),
                 r.error.c_str());
    return exit_unreachable;
  }
  std::fprintf(stderr, "kumo: %s failed: %s\n", what.c_str(), message.c_str());
  if (!r.retry_after.empty())
    std::fprintf(stderr, "kumo: the gateway asks to retry after %s s\n",
                 r.retry_after.c_str());
  return exit_api_error;
}

std::optional<nlohmann::json> parse_answer(const http_result& r,
                                           const std::string& what) {
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "kumo: %s: the gateway's answer is not JSON\n",
                 what.c_str());
    return std::nullopt;
  }
  return doc;
}

void print_json(const nlohmann::json& doc) {
  std::cout << doc.dump(-1, ' ', false,
                        nlohmann::json::error_handler_t::replace)
            << '\n'
            << std::flush;
}

} // namespace kumo::cli
