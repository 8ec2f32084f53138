#pragma once

#include "args.hpp"
#include "http_client.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

namespace kumo::cli {

/// Every command: runs it, prints its output, returns the exit code.
exit_code run_login(const parsed_args& args);
exit_code run_logout(const parsed_args& args);
exit_code run_add(const parsed_args& args);
exit_code run_queue(const parsed_args& args);
exit_code run_item_action(const parsed_args& args); // pause/resume/cancel
exit_code run_retry(const parsed_args& args);
exit_code run_series(const parsed_args& args);
exit_code run_scan(const parsed_args& args);
exit_code run_health(const parsed_args& args);
exit_code run_keys(const parsed_args& args);   // admin.cpp
exit_code run_config(const parsed_args& args); // admin.cpp

/// `queue --watch` and `scan --wait` (watch.cpp).
exit_code run_queue_watch(const parsed_args& args, const http_client& client);
exit_code run_scan_wait(const parsed_args& args, const http_client& client,
                        const nlohmann::json& scan);

/// One request whose answer must be 2xx JSON: the document, or the exit
/// code after reporting the failure.
std::variant<nlohmann::json, exit_code> call_json(const http_client& client,
                                                  const std::string& method,
                                                  const std::string& path,
                                                  const nlohmann::json* body,
                                                  const std::string& what);

/// Installs the SIGINT/SIGTERM handlers that make `interrupted()` true.
void install_interrupt_handlers();
bool interrupted();

} // namespace kumo::cli
