#include "web_assets.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <utility>

namespace kumo::gateway {

namespace {

constexpr std::string_view index_name = "index.html";
constexpr std::string_view assets_prefix = "/assets/";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

/// Splits a comma-separated header value into trimmed, non-empty items.
std::vector<std::string_view> list_items(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (!item.empty())
      out.push_back(item);
    if (comma == std::string_view::npos)
      break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

/// The q value of one Accept-Encoding item ("gzip;q=0.5" → 0.5); 1 without.
double quality(std::string_view params) {
  auto q = lower(params).find("q=");
  if (q == std::string::npos)
    return 1.0;
  std::string number{trim(params.substr(q + 2))};
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  return end == number.c_str() ? 1.0 : value;
}

} // namespace

std::optional<web_asset> find_web_asset(const std::vector<web_asset>& assets,
                                        const std::string& path) {
  std::string_view name;
  if (path == "/")
    name = index_name;
  else if (path.size() > assets_prefix.size() &&
           path.compare(0, assets_prefix.size(), assets_prefix) == 0)
    name = std::string_view{path}.substr(assets_prefix.size());
  else
    return std::nullopt;
  if (path != "/" && name == index_name)
    return std::nullopt;
  auto it = std::find_if(assets.begin(), assets.end(),
                         [&](const web_asset& a) { return a.name == name; });
  if (it == assets.end())
    return std::nullopt;
  return *it;
}

std::string web_content_type(std::string_view name) {
  static const std::array<std::pair<std::string_view, std::string_view>, 7>
      types{{{".html", "text/html; charset=utf-8"},
             {".css", "text/css; charset=utf-8"},
             {".js", "text/javascript; charset=utf-8"},
             {".svg", "image/svg+xml"},
             {".json", "application/json"},
             {".png", "image/png"},
             {".webmanifest", "application/manifest+json"}}};
  for (const auto& [ext, type] : types) {
    if (name.size() > ext.size() &&
        name.substr(name.size() - ext.size()) == ext)
      return std::string{type};
  }
  return "application/octet-stream";
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  for (auto tag : list_items(if_none_match)) {
    if (tag == "*")
      return true;
    if (tag.substr(0, 2) == "W/")
      tag.remove_prefix(2);
    if (tag == etag)
      return true;
  }
  return false;
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip;
  std::optional<double> any;
  for (auto item : list_items(accept_encoding)) {
    auto semi = item.find(';');
    auto coding = lower(trim(item.substr(0, semi)));
    double q =
        semi == std::string_view::npos ? 1.0 : quality(item.substr(semi + 1));
    if (coding == "gzip" || coding == "x-gzip")
      gzip = q;
    else if (coding == "*")
      any = q;
  }
  if (gzip)
    return *gzip > 0;
  return any && *any > 0;
}

} // namespace kumo::gateway
