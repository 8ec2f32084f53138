#include "hls/playlist.hpp"

#include <algorithm>
#include <cctype>

namespace kumo::providers::hls {

namespace {

/// Parts of an absolute URL: "<scheme>://<authority><path>[?<query>]".
struct url_parts {
  std::string scheme;
  std::string authority;
  std::string path;
  std::string query; ///< with its '?', "" when none
};

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

/// The scheme of `s` ("" when `s` starts with none), lowercase.
std::string scheme_of(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0])))
    return {};
  for (size_t i = 1; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == ':')
      return lower(s.substr(0, i));
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.')
      return {};
  }
  return {};
}

std::optional<url_parts> split(std::string_view url) {
  url_parts p;
  p.scheme = scheme_of(url);
  if (p.scheme.empty() || url.substr(p.scheme.size(), 3) != "://")
    return std::nullopt;
  auto rest = url.substr(p.scheme.size() + 3);
  rest = rest.substr(0, rest.find('#'));
  auto end = rest.find_first_of("/?");
  p.authority = std::string{rest.substr(0, end)};
  if (p.authority.empty())
    return std::nullopt;
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  auto q = rest.find('?');
  p.path = std::string{rest.substr(0, q)};
  if (q != std::string_view::npos)
    p.query = std::string{rest.substr(q)};
  if (p.path.empty())
    p.path = "/";
  return p;
}

/// RFC 3986 5.2.4: removes "." and ".." segments.
std::string remove_dots(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    auto next = path.find('/', i);
    if (next == std::string::npos)
      next = path.size();
    auto seg = path.substr(i, next - i);
    bool last = next == path.size();
    if (seg == "..") {
      if (out.size() > 1)
        out.pop_back();
      if (last)
        out.emplace_back();
    } else if (seg == ".") {
      if (last)
        out.emplace_back();
    } else {
      out.push_back(seg);
    }
    i = next + 1;
  }
  std::string joined;
  for (size_t k = 0; k < out.size(); ++k)
    joined += (k == 0 ? "" : "/") + out[k];
  if (joined.empty() || joined[0] != '/')
    joined.insert(joined.begin(), '/');
  return joined;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

} // namespace

result<std::string> resolve_url(const std::string& base, std::string_view ref) {
  if (ref.empty())
    return invalid("empty URI");
  if (!printable_ascii(ref))
    return invalid("URI holds spaces, control or non-ASCII characters");
  ref = ref.substr(0, ref.find('#'));
  auto b = split(base);
  if (!b || (b->scheme != "http" && b->scheme != "https"))
    return invalid("playlist URL is not absolute http(s): " + base);
  auto scheme = scheme_of(ref);
  std::string out;
  if (!scheme.empty()) {
    out = std::string{ref};
  } else if (ref.substr(0, 2) == "//") {
    out = b->scheme + ":" + std::string{ref};
  } else {
    auto q = ref.find('?');
    std::string rpath{ref.substr(0, q)};
    std::string rquery =
        q == std::string_view::npos ? "" : std::string{ref.substr(q)};
    std::string path;
    if (rpath.empty())
      path = b->path, rquery = rquery.empty() ? b->query : rquery;
    else if (rpath[0] == '/')
      path = remove_dots(rpath);
    else
      path = remove_dots(b->path.substr(0, b->path.rfind('/') + 1) + rpath);
    out = b->scheme + "://" + b->authority + path + rquery;
  }
  auto parts = split(out);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    return invalid("URI is not http(s): " + std::string{ref.substr(0, 200)});
  return out;
}

} // namespace kumo::providers::hls
