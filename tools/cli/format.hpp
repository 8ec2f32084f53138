#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kumo::cli {

/// The message of a gateway error answer `{"error": {"code", "message",
/// "field"}}`, or "HTTP <status>" with the start of the body when it has
/// another shape. Terminal-safe (control characters replaced).
std::string error_message(long status, const std::string& body);

/// Human text of `GET /api/queue/status`: state, counts, then every listed
/// item as `ID  STATUS  PRIORITY  SxxEyy  PROGRESS  SERIES`.
std::string format_queue(const nlohmann::json& status);

/// Human text of `GET /api/health`.
std::string format_health(const nlohmann::json& health);

/// Human text of `POST /api/queue/add`'s answer.
std::string format_added(const nlohmann::json& result);

/// Human text of `GET /api/series` (a list) or `GET /api/series/{key}`.
std::string format_series_list(const nlohmann::json& list);
std::string format_series_detail(const nlohmann::json& detail);

/// One line about a scan object (library.md): state and counters.
std::string format_scan(const nlohmann::json& scan);

/// A string field of `doc`, or `fallback` when absent or not a string.
std::string text_of(const nlohmann::json& doc, const char* key,
                    const std::string& fallback = {});

/// An id field as text: a string as it is, an integer in decimal (scan ids
/// are numbers, item ids UUID strings); `fallback` for anything else.
std::string id_of(const nlohmann::json& doc, const char* key,
                  const std::string& fallback = {});

/// A boolean field of `doc`; false when absent or not a boolean.
bool bool_of(const nlohmann::json& doc, const char* key);

/// An integer field of `doc`, or `fallback`.
std::int64_t int_of(const nlohmann::json& doc, const char* key,
                    std::int64_t fallback = 0);

} // namespace kumo::cli
