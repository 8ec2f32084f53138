#include "auth/request_policy.hpp"

#include <algorithm>
#include <cctype>

namespace kumo::gateway {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// scheme://authority of an absolute URL, lower-cased, default port
/// dropped; "" when `url` is not http(s).
std::string origin_of(const std::string& url) {
  auto folded = lower(trim(url));
  for (const char* scheme : {"http://", "https://"}) {
    std::string prefix{scheme};
    if (folded.rfind(prefix, 0) != 0)
      continue;
    auto end = folded.find_first_of("/?#", prefix.size());
    auto authority = folded.substr(prefix.size(), end == std::string::npos
                                                      ? std::string::npos
                                                      : end - prefix.size());
    auto default_port = prefix == "http://" ? ":80" : ":443";
    if (authority.size() > 4 &&
        authority.compare(authority.size() - std::string{default_port}.size(),
                          std::string::npos, default_port) == 0)
      authority.resize(authority.size() - std::string{default_port}.size());
    return authority.empty() ? "" : prefix + authority;
  }
  return {};
}

bool from_trusted_proxy(const site_options& site, const request_facts& req) {
  auto peer = parse_ip(req.remote_addr);
  return peer &&
         std::any_of(site.trusted_proxies.begin(), site.trusted_proxies.end(),
                     [&](const cidr& net) { return net.contains(*peer); });
}

bool is_json(const std::string& content_type) {
  auto media = lower(trim(content_type.substr(0, content_type.find(';'))));
  return media == "application/json";
}

} // namespace

bool served_over_https(const site_options& site, const request_facts& req) {
  if (!site.public_url.empty())
    return origin_of(site.public_url).rfind("https://", 0) == 0;
  return from_trusted_proxy(site, req) &&
         lower(trim(req.forwarded_proto)) == "https";
}

std::string own_origin(const site_options& site, const request_facts& req) {
  if (!site.public_url.empty())
    return origin_of(site.public_url);
  if (req.host.empty())
    return {};
  auto scheme = served_over_https(site, req) ? "https://" : "http://";
  return origin_of(scheme + req.host);
}

bool changes_state(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" ||
         method == "DELETE";
}

std::optional<std::string> cross_site_problem(const site_options& site,
                                              const request_facts& req) {
  if (!changes_state(req.method))
    return std::nullopt;
  if (req.has_body && !is_json(req.content_type))
    return "a request authenticated by the session cookie must send its body "
           "as application/json";
  if (!req.origin.empty()) {
    auto own = own_origin(site, req);
    if (own.empty() || origin_of(req.origin) != own)
      return "cross-origin request refused: Origin does not match the "
             "gateway's own origin";
    return std::nullopt;
  }
  if (lower(trim(req.sec_fetch_site)) == "same-origin")
    return std::nullopt;
  return "a request authenticated by the session cookie must carry the "
         "Origin header of the gateway's own page (or use a bearer token)";
}

} // namespace kumo::gateway
