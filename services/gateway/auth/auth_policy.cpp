#include "auth/auth_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kumo::gateway {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

/// Tokens and keys are printable ASCII without spaces; anything else is not
/// a credential (and must not end up in a header we echo).
bool printable_token(const std::string& text) {
  return !text.empty() && text.size() <= 4096 &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

std::string cookie_value(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos <= header.size()) {
    auto end = header.find(';', pos);
    if (end == std::string::npos)
      end = header.size();
    auto pair = trim(header.substr(pos, end - pos));
    auto eq = pair.find('=');
    if (eq != std::string::npos && trim(pair.substr(0, eq)) == name) {
      auto value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
    pos = end + 1;
  }
  return {};
}

} // namespace

bool is_public_path(const std::string& path) {
  static const std::array<const char*, 5> open{
      "/api/health", "/api/auth/setup", "/api/auth/login", "/api/auth/status",
      "/api/openapi.json"};
  auto folded = lower(path);
  if (folded != "/api" && folded.rfind("/api/", 0) != 0)
    return true;
  return std::any_of(open.begin(), open.end(),
                     [&](const char* p) { return path == p; });
}

credentials extract_credentials(const std::string& authorization,
                                const std::string& x_api_key,
                                const std::string& cookie_header) {
  credentials out;
  auto auth = trim(authorization);
  if (auth.size() > 7 && lower(auth.substr(0, 7)) == "bearer ") {
    auto token = trim(auth.substr(7));
    if (printable_token(token))
      out.bearer = token;
  }
  auto key = trim(x_api_key);
  if (printable_token(key))
    out.api_key = key;
  auto cookie = cookie_value(cookie_header, session_cookie);
  if (printable_token(cookie))
    out.cookie = cookie;
  return out;
}

std::string session_cookie_header(const std::string& token,
                                  long long max_age_seconds, bool secure) {
  return std::string{session_cookie} + "=" + token +
         "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
         std::to_string(max_age_seconds) + (secure ? "; Secure" : "");
}

std::string clear_session_cookie_header(bool secure) {
  return std::string{session_cookie} +
         "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0" +
         (secure ? "; Secure" : "");
}

} // namespace kumo::gateway
