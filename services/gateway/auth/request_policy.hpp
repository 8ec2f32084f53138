#pragma once

// Where a request comes from, as far as the gateway can tell: whether it
// reached the gateway over HTTPS (through a trusted reverse proxy), what the
// gateway's own origin is, and whether a cookie-authenticated request that
// changes state really comes from the gateway's own page. Pure: plain
// values in, plain values out.

#include "kumo/address_policy.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kumo::gateway {

/// How the gateway is reached, from its options.
struct site_options {
  /// The URL browsers use ("https://kumo.example.org"); "" when the
  /// gateway's origin is taken from each request's Host header.
  std::string public_url;
  /// Peers whose X-Forwarded-Proto is believed.
  std::vector<cidr> trusted_proxies;
};

/// The headers and peer of one request that the checks below read.
struct request_facts {
  std::string method;
  std::string remote_addr;
  std::string host;
  std::string forwarded_proto; ///< X-Forwarded-Proto
  std::string origin;
  std::string sec_fetch_site;
  std::string content_type;
  bool has_body = false;
};

/// True when the public URL is https, or a trusted proxy says the client
/// spoke HTTPS to it. X-Forwarded-Proto from anyone else is ignored.
bool served_over_https(const site_options& site, const request_facts& req);

/// scheme://host[:port] of the gateway as the client sees it: the public
/// URL's origin when configured, else built from Host.
std::string own_origin(const site_options& site, const request_facts& req);

/// True for POST, PUT, PATCH and DELETE.
bool changes_state(const std::string& method);

/// Why a state-changing request authenticated only by the session cookie is
/// refused, or nullopt when it provably comes from the gateway's own page:
/// a body must be application/json (a cross-site form or text/plain POST
/// cannot send that without a preflight), and Origin must equal
/// own_origin(); without Origin, only `Sec-Fetch-Site: same-origin` passes.
std::optional<std::string> cross_site_problem(const site_options& site,
                                              const request_facts& req);

} // namespace kumo::gateway
