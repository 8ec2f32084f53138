#include "http/route_labels.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace kumo::gateway {

namespace {

/// The segments of `path` after its leading '/'; "/a//b/" gives a, "", b, "".
std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      return out;
    path.remove_prefix(slash + 1);
  }
}

bool is_parameter(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

result<std::vector<std::string>> openapi_paths(const std::string& document) {
  auto doc = nlohmann::json::parse(document, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("paths") ||
      !doc["paths"].is_object())
    return failure{errc::invalid_argument, "no OpenAPI paths object", "paths"};
  std::vector<std::string> out;
  for (const auto& item : doc["paths"].items())
    out.push_back(item.key());
  return out;
}

route_labels::route_labels(const std::vector<std::string>& templates) {
  for (const auto& text : templates) {
    pattern p{text, {}, 0};
    for (auto segment : segments_of(text)) {
      bool param = is_parameter(segment);
      p.segments.emplace_back(param ? std::string_view{} : segment);
      p.literals += param ? 0 : 1;
    }
    patterns_.push_back(std::move(p));
  }
}

std::string_view route_labels::label(std::string_view path) const {
  if (path != "/api" && path.rfind("/api/", 0) != 0)
    return web_route;
  auto got = segments_of(path);
  const pattern* best = nullptr;
  for (const auto& p : patterns_) {
    if (p.segments.size() != got.size() ||
        (best && best->literals >= p.literals))
      continue;
    bool same = true;
    for (size_t i = 0; same && i < got.size(); ++i)
      same = p.segments[i].empty() ? !got[i].empty() : p.segments[i] == got[i];
    if (same)
      best = &p;
  }
  return best ? std::string_view{best->text} : unmatched_route;
}

std::string_view route_labels::method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> known = {
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto m : known)
    if (m == method)
      return m;
  return "other";
}

} // namespace kumo::gateway
