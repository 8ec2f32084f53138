#include "kumo/contracts/fields.hpp"

#include "kumo/validate.hpp"

#include <algorithm>

namespace kumo::contracts {

namespace {

using json = nlohmann::json;

field_error refuse(const std::string& path, const std::string& problem) {
  return {path, path + " " + problem};
}

} // namespace

std::string join_path(const std::string& where, const std::string& name) {
  return where.empty() ? name : where + "." + name;
}

std::string ascii_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

parsed<json> parse_object(const std::string& body, bool empty_is_object) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (empty_is_object)
      return json::object();
    return field_error{"", "body must be a JSON object (it is empty)"};
  }
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    return field_error{"", "body is not valid JSON"};
  if (!doc.is_object())
    return field_error{"", "body must be a JSON object"};
  return doc;
}

parsed<std::string> read_text(const json& obj, const std::string& where,
                              const char* name, text_rule rule) {
  auto path = join_path(where, name);
  auto i = obj.find(name);
  if (i == obj.end() || i->is_null()) {
    if (rule.required)
      return refuse(path, "is required");
    return std::string{};
  }
  if (!i->is_string())
    return refuse(path, "must be a string");
  const auto& value = i->get_ref<const std::string&>();
  if (value.empty() && !rule.allow_empty)
    return refuse(path, "must not be empty");
  if (value.size() > rule.max_bytes)
    return refuse(path, "is longer than " + std::to_string(rule.max_bytes) +
                            " bytes");
  if (has_control_chars(value))
    return refuse(path, "must not contain control characters");
  return value;
}

parsed<int64_t> read_int(const json& obj, const std::string& where,
                         const char* name, int64_t min, int64_t max,
                         std::optional<int64_t> fallback) {
  auto path = join_path(where, name);
  auto i = obj.find(name);
  if (i == obj.end() || i->is_null()) {
    if (fallback)
      return *fallback;
    return refuse(path, "is required");
  }
  auto range = "must be an integer between " + std::to_string(min) + " and " +
               std::to_string(max);
  if (!i->is_number_integer())
    return refuse(path, range);
  if (i->is_number_unsigned()) {
    // JSON text parses non-negative numbers as unsigned: the lower bound
    // applies to them too.
    auto u = i->get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max) ||
        static_cast<int64_t>(u) < min)
      return refuse(path, range);
    return static_cast<int64_t>(u);
  }
  auto value = i->get<int64_t>();
  if (value < min || value > max)
    return refuse(path, range);
  return value;
}

parsed<std::string> read_uuid_value(const json& value,
                                    const std::string& path) {
  if (!value.is_string() || !is_uuid(value.get_ref<const std::string&>()))
    return refuse(path, "must be a UUID");
  return ascii_lower(value.get<std::string>());
}

parsed<std::string> read_sha256(const json& obj, const std::string& where) {
  auto path = join_path(where, "sha256");
  auto text = read_text(obj, where, "sha256", {false, 64, true});
  if (!text)
    return text.error();
  auto value = ascii_lower(*text);
  if (!value.empty() &&
      (value.size() != 64 ||
       value.find_first_not_of("0123456789abcdef") != std::string::npos))
    return refuse(path, "must be 64 hexadecimal digits");
  return value;
}

} // namespace kumo::contracts
