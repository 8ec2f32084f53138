#pragma once

// Which requests need credentials, and where credentials come from. Pure:
// plain strings in, plain values out.

#include <string>

namespace kumo::gateway {

/// The session cookie set by POST /api/auth/login.
constexpr const char* session_cookie = "kumo_session";

/// True for paths anyone may call: everything outside /api, and exactly
/// /api/health, /api/auth/{setup,login,status} and /api/openapi.json. Every
/// other path under /api (any letter case) needs credentials, including
/// paths no handler serves yet, so new routes are protected by default.
bool is_public_path(const std::string& path);

/// What a request presents as credentials.
struct credentials {
  std::string bearer;  ///< from `Authorization: Bearer <x>`
  std::string api_key; ///< from `X-Api-Key`
  std::string cookie;  ///< the kumo_session cookie
  [[nodiscard]] bool empty() const {
    return bearer.empty() && api_key.empty() && cookie.empty();
  }
};

/// Extracts credentials from the raw header values ("" when absent). The
/// bearer scheme name is case-insensitive; a malformed header yields nothing.
credentials extract_credentials(const std::string& authorization,
                                const std::string& x_api_key,
                                const std::string& cookie_header);

/// Set-Cookie value that stores `token` for `max_age_seconds`; `secure`
/// (the client spoke HTTPS) adds the Secure attribute.
std::string session_cookie_header(const std::string& token,
                                  long long max_age_seconds,
                                  bool secure = false);

/// Set-Cookie value that deletes the session cookie.
std::string clear_session_cookie_header(bool secure = false);

} // namespace kumo::gateway
