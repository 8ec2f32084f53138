#include "kumo/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace kumo {

std::string env_name(const std::string& key) {
  std::string out = "KUMO_";
  for (char c : key)
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const std::string& settings::text(const std::string& key) const {
  auto i = values_.find(key);
  if (i == values_.end())
    throw std::logic_error("unknown option " + key);
  return i->second;
}

int64_t settings::integer(const std::string& key) const {
  return std::stoll(text(key));
}

bool settings::boolean(const std::string& key) const {
  return text(key) == "true";
}

int64_t settings::millis(const std::string& key) const {
  return *parse_duration_ms(text(key));
}

bool settings::has(const std::string& key) const {
  return values_.count(key) > 0;
}

void settings::set(const std::string& key, std::string value, bool secret) {
  values_[key] = std::move(value);
  secret_[key] = secret;
}

std::map<std::string, std::string> settings::printable() const {
  auto out = values_;
  for (auto& [key, value] : out)
    if (secret_.at(key))
      value = "[redacted]";
  return out;
}

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str()))
      return std::string{v};
    return std::nullopt;
  };
}

std::optional<int64_t> parse_duration_ms(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  size_t digits = 0;
  while (digits < text.size() &&
         std::isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  if (digits == 0 || digits > 15)
    return std::nullopt;
  int64_t n = std::stoll(text.substr(0, digits));
  auto unit = text.substr(digits);
  if (unit.empty() || unit == "ms")
    return n;
  if (unit == "s")
    return n * 1000;
  if (unit == "m")
    return n * 60'000;
  if (unit == "h")
    return n * 3'600'000;
  return std::nullopt;
}

namespace {

std::optional<std::string> normalize(const option& opt, const std::string& raw,
                                     std::string& why) {
  switch (opt.kind) {
  case option_kind::text:
    return raw;
  case option_kind::url:
    if (raw.find("://") == std::string::npos || raw.find("://") == 0) {
      why = "expected a URL with a scheme";
      return std::nullopt;
    }
    return raw;
  case option_kind::boolean: {
    std::string v = raw;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    if (v == "true" || v == "1" || v == "yes" || v == "on")
      return std::string{"true"};
    if (v == "false" || v == "0" || v == "no" || v == "off")
      return std::string{"false"};
    why = "expected true or false";
    return std::nullopt;
  }
  case option_kind::integer: {
    size_t used = 0;
    int64_t n = 0;
    try {
      n = std::stoll(raw, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (raw.empty() || used != raw.size()) {
      why = "expected an integer";
      return std::nullopt;
    }
    if (n < opt.min || n > opt.max) {
      why = "expected a value in [" + std::to_string(opt.min) + ", " +
            std::to_string(opt.max) + "]";
      return std::nullopt;
    }
    return std::to_string(n);
  }
  case option_kind::duration: {
    auto ms = parse_duration_ms(raw);
    if (!ms) {
      why = "expected a duration such as 250ms, 5s, 2m";
      return std::nullopt;
    }
    if (*ms < opt.min || *ms > opt.max) {
      why = "duration out of range [" + std::to_string(opt.min) + "ms, " +
            std::to_string(opt.max) + "ms]";
      return std::nullopt;
    }
    return std::to_string(*ms);
  }
  }
  return std::nullopt;
}

result<nlohmann::json> read_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return invalid("cannot read config file " + path, "config");
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return invalid("config file " + path + " is not a JSON object", "config");
  return doc;
}

std::string file_value_text(const nlohmann::json& v) {
  if (v.is_string())
    return v.get<std::string>();
  return v.dump();
}

} // namespace

result<settings> load_settings(const std::vector<option>& schema,
                               const env_lookup& env) {
  nlohmann::json file = nlohmann::json::object();
  if (auto path = env("KUMO_CONFIG"); path && !path->empty()) {
    auto loaded = read_file(*path);
    if (!loaded)
      return loaded.error();
    file = *std::move(loaded);
  }
  for (const auto& item : file.items()) {
    const std::string& key = item.key();
    auto known = std::any_of(schema.begin(), schema.end(),
                             [&](const option& o) { return o.key == key; });
    if (!known)
      return invalid("unknown option '" + key + "' in config file", key);
  }
  settings out;
  for (const auto& opt : schema) {
    std::optional<std::string> raw;
    std::string source;
    if (auto v = env(env_name(opt.key))) {
      raw = *v;
      source = env_name(opt.key);
    } else if (file.contains(opt.key)) {
      raw = file_value_text(file[opt.key]);
      source = "config file key '" + opt.key + "'";
    } else if (opt.default_value) {
      raw = *opt.default_value;
      source = "default of " + opt.key;
    }
    if (!raw)
      return invalid(env_name(opt.key) + " is required (" + opt.help + ")",
                     opt.key);
    std::string why;
    auto value = normalize(opt, *raw, why);
    if (!value) {
      std::string message = source;
      message += " = '";
      message += opt.secret ? std::string{"[redacted]"} : *raw;
      message += "' is invalid: ";
      message += why;
      return invalid(message, opt.key);
    }
    out.set(opt.key, *value, opt.secret);
  }
  return out;
}

} // namespace kumo
