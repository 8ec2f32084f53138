#pragma once

// One JSON object per line on stdout: {"ts","level","service","msg",...fields}.
// Field names that look like secrets are redacted before they are written.

#include <nlohmann/json.hpp>
#include <string>

namespace kumo::log {

enum class level : int { debug = 0, info = 1, warn = 2, error = 3 };

/// Sets the service name and minimum level; call once at start-up.
void init(std::string service, level min_level);

/// Parses "debug", "info", "warn", "error".
bool parse_level(const std::string& text, level& out);

void write(level lvl, const std::string& msg, const nlohmann::json& fields);

/// Returns the line `write` would print, for tests.
std::string format(level lvl, const std::string& msg,
                   const nlohmann::json& fields);

/// Replaces the password of a URL (`scheme://user:pw@host`) with `***`.
std::string redact_url(const std::string& url);

inline void debug(const std::string& msg, const nlohmann::json& f = {}) {
  write(level::debug, msg, f);
}
inline void info(const std::string& msg, const nlohmann::json& f = {}) {
  write(level::info, msg, f);
}
inline void warn(const std::string& msg, const nlohmann::json& f = {}) {
  write(level::warn, msg, f);
}
inline void error(const std::string& msg, const nlohmann::json& f = {}) {
  write(level::error, msg, f);
}

} // namespace kumo::log
