#include "admin_requests.hpp"

#include "terminal_text.hpp"

namespace kumo::cli {

using nlohmann::json;

namespace {

bool is_integer_text(const std::string& text) {
  auto digits = text.compare(0, 1, "-") == 0 ? text.substr(1) : text;
  return !digits.empty() && digits.size() <= 18 &&
         digits.find_first_not_of("0123456789") == std::string::npos;
}

std::string text_or(const json& doc, const char* key, const char* fallback) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null())
    return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

} // namespace

std::variant<json, usage_error>
config_patch(const std::vector<std::string>& assignments) {
  if (assignments.empty())
    return usage_error{"config: give at least one SECTION.FIELD=VALUE"};
  json patch = json::object();
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    auto dot = a.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot == 0 ||
        dot + 1 >= eq)
      return usage_error{"config: '" + a.substr(0, 64) +
                         "' is not SECTION.FIELD=VALUE"};
    auto section = a.substr(0, dot);
    auto field = a.substr(dot + 1, eq - dot - 1);
    auto value = a.substr(eq + 1);
    if (is_integer_text(value))
      patch[section][field] = std::stoll(value);
    else
      patch[section][field] = value;
  }
  return patch;
}

std::variant<long long, usage_error> key_id(const std::string& text) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(text) <= 0)
    return usage_error{"keys revoke: ID must be a positive number (see kumo "
                       "keys list)"};
  return std::stoll(text);
}

std::string format_keys(const json& doc) {
  if (!doc.contains("keys") || !doc["keys"].is_array() || doc["keys"].empty())
    return "no API keys\n";
  std::string out = "ID  NAME  PREFIX  CREATED  LAST USED\n";
  for (const auto& k : doc["keys"])
    out += text_or(k, "id", "?") + "  " +
           sanitize_for_terminal(text_or(k, "name", "")) + "  " +
           text_or(k, "prefix", "") + "...  " + text_or(k, "created_at", "?") +
           "  " + text_or(k, "last_used_at", "never") + "\n";
  return out;
}

std::string format_config(const json& doc) {
  std::string out;
  const auto& config = doc.contains("config") ? doc["config"] : doc;
  if (!config.is_object())
    return "\n";
  for (const auto& [section, fields] : config.items()) {
    if (!fields.is_object())
      continue;
    for (const auto& [key, value] : fields.items()) {
      std::string name = section;
      name += '.';
      name += key;
      out += sanitize_for_terminal(name);
      out += " = ";
      out += sanitize_for_terminal(value.is_string() ? value.get<std::string>()
                                                     : value.dump());
      out += "\n";
    }
  }
  return out;
}

std::string format_field_errors(const json& errors) {
  std::string out;
  if (!errors.is_array())
    return out;
  for (const auto& e : errors)
    out += "  " + sanitize_for_terminal(text_or(e, "field", "")) + ": " +
           sanitize_for_terminal(text_or(e, "message", "")) + "\n";
  return out;
}

} // namespace kumo::cli
