#include "series_requests.hpp"

#include "kumo/validate.hpp"

#include <cstdint>
#include <limits>
#include <optional>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;
using contracts::field_error;

checked_request refuse(const std::string& field, const std::string& problem) {
  return checked_request::invalid(field_error{field, field + " " + problem});
}

/// A parameter name fit to quote back: printable ASCII, at most 64 bytes.
std::string printable_name(const std::string& name) {
  std::string out;
  for (unsigned char c : name.substr(0, 64))
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

/// A decimal integer (optional leading '-') that fits int64.
std::optional<int64_t> to_integer(const std::string& text) {
  size_t digits_at = !text.empty() && text[0] == '-' ? 1 : 0;
  if (text.size() == digits_at || text.size() > 20 ||
      text.find_first_not_of("0123456789", digits_at) != std::string::npos)
    return std::nullopt;
  uint64_t magnitude = 0;
  for (size_t i = digits_at; i < text.size(); ++i) {
    auto digit = static_cast<uint64_t>(text[i] - '0');
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10)
      return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  constexpr auto max = static_cast<uint64_t>(INT64_MAX);
  if (digits_at == 0)
    return magnitude <= max ? std::optional<int64_t>{magnitude} : std::nullopt;
  if (magnitude > max + 1)
    return std::nullopt;
  return magnitude == max + 1 ? INT64_MIN : -static_cast<int64_t>(magnitude);
}

/// text: any UTF-8; search: the same, but "" means the parameter is
/// absent; flag: true|false; integer: decimal, fits int64.
enum class param_kind { text, search, flag, integer };

struct param_rule {
  const char* name;
  param_kind kind;
};

/// Converts one parameter's text to its JSON value into `out`; a refusal
/// when it cannot be.
std::optional<checked_request> convert(const param_rule& rule,
                                       const std::string& text, json& out) {
  switch (rule.kind) {
  case param_kind::text:
  case param_kind::search:
    if (!is_utf8(text))
      return refuse(rule.name, "must be UTF-8 text");
    if (!text.empty() || rule.kind == param_kind::text)
      out[rule.name] = text;
    return std::nullopt;
  case param_kind::flag:
    if (text != "true" && text != "false")
      return refuse(rule.name, "must be true or false");
    out[rule.name] = text == "true";
    return std::nullopt;
  case param_kind::integer:
    if (auto value = to_integer(text)) {
      out[rule.name] = *value;
      return std::nullopt;
    }
    return refuse(rule.name, "must be an integer");
  }
  return refuse(rule.name, "cannot be read");
}

/// `params` converted by `rules` into `out`; unknown or repeated names are
/// refused.
template <size_t N>
checked_request convert_query(const query_params& params,
                              const param_rule (&rules)[N], json out) {
  for (const auto& [name, text] : params) {
    const param_rule* rule = nullptr;
    for (const auto& r : rules)
      if (name == r.name)
        rule = &r;
    if (!rule)
      return refuse(printable_name(name), "is not a query parameter of "
                                          "this route");
    if (params.count(name) > 1)
      return refuse(name, "is given more than once");
    if (auto refused = convert(*rule, text, out))
      return *refused;
  }
  return checked_request::valid(std::move(out));
}

checked_request body_object(const std::string& body, bool empty_is_object) {
  auto doc = contracts::parse_object(body, empty_is_object);
  if (!doc)
    return checked_request::invalid(doc.error());
  return checked_request::valid(*doc);
}

} // namespace

bool is_route_series_key(const std::string& key) {
  return key.size() <= max_series_key_bytes && is_series_key(key);
}

checked_request check_series_list(const query_params& params) {
  static const param_rule rules[] = {
      {"q", param_kind::search},         {"monitored", param_kind::flag},
      {"has_missing", param_kind::flag}, {"sort", param_kind::text},
      {"order", param_kind::text},       {"limit", param_kind::integer},
      {"offset", param_kind::integer}};
  return convert_query(params, rules, json::object());
}

checked_request check_series_key(const std::string& key) {
  if (!is_route_series_key(key))
    return refuse("key", "must be a series key: lowercase letters and digits "
                         "in words joined by single hyphens, at most " +
                             std::to_string(max_series_key_bytes) +
                             " characters");
  return checked_request::valid({{"key", key}});
}

checked_request check_series_add(const std::string& body) {
  return body_object(body, false);
}

checked_request check_series_update(const std::string& key,
                                    const std::string& body) {
  auto target = check_series_key(key);
  if (!target.ok())
    return target;
  auto request = body_object(body, false);
  if (!request.ok())
    return request;
  auto given = request.payload.find("key");
  if (given != request.payload.end() && *given != key)
    return refuse("key", "in the body must be the key of the path (a series "
                         "key cannot be changed)");
  request.payload["key"] = key;
  return request;
}

checked_request check_series_delete(const std::string& key,
                                    const query_params& params) {
  auto target = check_series_key(key);
  if (!target.ok())
    return target;
  static const param_rule rules[] = {{"delete_files", param_kind::flag}};
  return convert_query(params, rules, std::move(target.payload));
}

checked_request check_series_history(const std::string& key,
                                     const query_params& params) {
  auto target = check_series_key(key);
  if (!target.ok())
    return target;
  static const param_rule rules[] = {{"limit", param_kind::integer}};
  return convert_query(params, rules, std::move(target.payload));
}

checked_request check_optional_body(const std::string& body) {
  return body_object(body, true);
}

bool is_utf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra = c < 0x80           ? 0
                   : (c >> 5) == 0x6  ? 1
                   : (c >> 4) == 0xe  ? 2
                   : (c >> 3) == 0x1e ? 3
                                      : 4;
    if (extra == 4 || text.size() - i <= extra)
      return false;
    uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (next & 0x3f);
    }
    static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += extra + 1;
  }
  return true;
}

} // namespace kumo::gateway
