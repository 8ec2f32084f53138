#pragma once

#include "args.hpp"
#include "http_client.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kumo::cli {

/// Where and as whom a command talks to the gateway.
struct target {
  std::string url;
  std::string token; ///< empty: none
};

/// Resolves the gateway and the credentials: URL from `--url`, KUMO_URL,
/// the credentials file, else http://127.0.0.1:8080; token from
/// KUMO_API_KEY, else the file's token, but only when the file's URL is
/// the one in use (a token is never sent to another gateway). The file is
/// read only when needed. On failure prints why and returns the exit code.
std::variant<target, exit_code> resolve_target(const parsed_args& args,
                                               bool needs_token);

/// Prints what went wrong with `r` (on stderr) and returns the exit code
/// for it: 3 when the gateway was not reached, 4 for 401, 1 otherwise.
/// `what` names the request for the message ("queue status").
exit_code report_failure(const http_result& r, const std::string& what,
                         const std::string& url);

/// The JSON of a 2xx answer, or nullopt after reporting a body that is not
/// JSON (exit code 3 then).
std::optional<nlohmann::json> parse_answer(const http_result& r,
                                           const std::string& what);

/// Prints `doc` as one line of JSON on stdout.
void print_json(const nlohmann::json& doc);

} // namespace kumo::cli
