#pragma once

// The web UI's files (services/gateway/web, compiled in at build time by
// embed_web.cmake) and the pure rules for answering a request for one:
// which file a path names, its Content-Type, whether the client's copy is
// current (ETag) and whether the gzip form may be sent.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace httplib {
class Server;
}

namespace kumo::gateway {

/// One embedded file.
struct web_asset {
  std::string_view name; ///< file name, e.g. "app.js"
  std::string_view etag; ///< quoted, e.g. "\"3f2a…\"" (SHA-256 prefix)
  std::string_view body; ///< the file as committed
  std::string_view gzip; ///< the same bytes, gzip -9
};

/// Every embedded file, sorted by name.
const std::vector<web_asset>& web_assets();

/// The file served for `path`: "/" is index.html, "/assets/<name>" is
/// <name> (any other file than index.html); nullopt for anything else.
std::optional<web_asset> find_web_asset(const std::vector<web_asset>& assets,
                                        const std::string& path);

/// Content-Type by file extension (with charset for text);
/// application/octet-stream for an unknown one.
std::string web_content_type(std::string_view name);

/// Whether an If-None-Match header value (a list of entity tags, weak ones
/// included, or "*") matches `etag`.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

/// Whether an Accept-Encoding header value admits gzip (q=0 refuses it;
/// "*" admits it unless gzip itself is refused).
bool accepts_gzip(std::string_view accept_encoding);

/// Registers GET / and GET /assets/<name> (public, no credentials) with the
/// web UI's Content-Security-Policy, ETag, Cache-Control: no-cache and the
/// gzip form when accepted.
void add_web_routes(httplib::Server& server);

} // namespace kumo::gateway
