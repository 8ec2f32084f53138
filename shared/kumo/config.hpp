#pragma once

// Service configuration: `KUMO_*` environment over a JSON config file over
// documented defaults. Every option is declared once in a schema; anything not
// in the schema is an error, so typos never pass silently.

#include "kumo/result.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kumo {

enum class option_kind : uint8_t {
  text,     ///< any string
  integer,  ///< signed 64-bit, bounded by `min`/`max`
  boolean,  ///< true/false/1/0/yes/no
  duration, ///< "250ms", "5s", "2m", "1h" or plain milliseconds
  url,      ///< a string with a scheme, e.g. nats://, postgresql://, http://
};

struct option {
  std::string key; ///< file key `nats_url` <-> env `KUMO_NATS_URL`
  option_kind kind;
  std::optional<std::string> default_value; ///< nullopt: required
  std::string help;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
  bool secret = false; ///< never logged
};

/// The environment variable for an option key: `nats_url` -> `KUMO_NATS_URL`.
std::string env_name(const std::string& key);

/// Validated configuration values, by option key.
class settings {
public:
  const std::string& text(const std::string& key) const;
  int64_t integer(const std::string& key) const;
  bool boolean(const std::string& key) const;
  int64_t millis(const std::string& key) const;
  bool has(const std::string& key) const;

  /// Every value, secrets replaced by "[redacted]", for the start-up log line.
  std::map<std::string, std::string> printable() const;

  void set(const std::string& key, std::string value, bool secret);

private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> secret_;
};

/// Looks up an environment variable; injected so tests need no real env.
using env_lookup =
    std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
env_lookup process_env();

/// Loads every option of `schema`. The file named by `KUMO_CONFIG` (if set)
/// is read as a flat JSON object of option keys; env wins over file, file over
/// default. Returns the first problem found: errc::invalid_argument, a line
/// naming the value and what was expected, and the offending option as
/// field ("config" for a config file that cannot be read).
result<settings> load_settings(const std::vector<option>& schema,
                               const env_lookup& env);

/// Parses "250ms", "5s", "2m", "1h" or plain milliseconds.
std::optional<int64_t> parse_duration_ms(const std::string& text);

} // namespace kumo
