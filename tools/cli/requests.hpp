#pragma once

#include "args.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

namespace kumo::cli {

/// The body of `POST /api/queue/add` for `kumo add` (checked locally only
/// as far as needed to build it; the gateway checks the rest):
/// - `--series KEY` is required; `--name` defaults to the key in title
///   case, `--folder` to the name;
/// - with `--season N --episode M` the URLs become episodes M, M+1, ... of
///   season N; without them each URL's file name must hold `SxxEyy`;
/// - `--priority` high|normal|low (default normal), `--provider` default
///   "direct".
std::variant<nlohmann::json, usage_error>
build_add_request(const parsed_args& args);

/// The series name `kumo add` derives from a key: "attack-on-titan" ->
/// "Attack On Titan".
std::string name_from_key(const std::string& key);

} // namespace kumo::cli
