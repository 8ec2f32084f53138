#include "kumo/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <unistd.h>

namespace kumo::log {

namespace {

std::string service_name = "kumo";
std::atomic<int> min_level{static_cast<int>(level::info)};

const char* level_name(level lvl) {
  switch (lvl) {
  case level::debug:
    return "debug";
  case level::info:
    return "info";
  case level::warn:
    return "warn";
  case level::error:
    return "error";
  }
  return "info";
}

bool looks_secret(const std::string& key) {
  for (const char* word :
       {"password", "secret", "token", "authorization", "cookie", "api_key"})
    if (key.find(word) != std::string::npos)
      return true;
  return false;
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

} // namespace

void init(std::string service, level lvl) {
  service_name = std::move(service);
  min_level = static_cast<int>(lvl);
}

bool parse_level(const std::string& text, level& out) {
  for (auto lvl : {level::debug, level::info, level::warn, level::error})
    if (text == level_name(lvl)) {
      out = lvl;
      return true;
    }
  return false;
}

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme)
    return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at)
    return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::string format(level lvl, const std::string& msg,
                   const nlohmann::json& fields) {
  // Ordered so every line starts with ts, level, service, msg.
  nlohmann::ordered_json line = {{"ts", timestamp()},
                                 {"level", level_name(lvl)},
                                 {"service", service_name},
                                 {"msg", msg}};
  if (fields.is_object())
    for (auto& [key, value] : fields.items())
      line[key] = looks_secret(key) ? nlohmann::ordered_json("[redacted]")
                                    : nlohmann::ordered_json(value);
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write(level lvl, const std::string& msg, const nlohmann::json& fields) {
  if (static_cast<int>(lvl) < min_level.load(std::memory_order_relaxed))
    return;
  auto text = format(lvl, msg, fields);
  text += '\n';
  // One write(2) per line keeps lines whole when threads log concurrently.
  size_t off = 0;
  while (off < text.size()) {
    auto n = ::write(STDOUT_FILENO, text.data() + off, text.size() - off);
    if (n <= 0)
      return;
    off += static_cast<size_t>(n);
  }
}

} // namespace kumo::log
