#pragma once

// Session tokens and the encodings around them. A token is 32 random bytes,
// base64url without padding (43 characters); the database only ever sees
// its SHA-256.

#include <optional>
#include <string>

namespace kumo::gateway {

/// Base64url (RFC 4648 section 5) without padding.
std::string base64url_encode(const std::string& bytes);

/// Inverse of base64url_encode; nullopt for characters outside the alphabet
/// or an impossible length. Padding is not accepted.
std::optional<std::string> base64url_decode(const std::string& text);

/// Lowercase hexadecimal of `bytes`.
std::string to_hex(const std::string& bytes);

/// 32 bytes from OpenSSL's CSPRNG, base64url. Returns "" when the generator
/// fails (the caller must refuse to log in then).
std::string new_session_token();

/// True when `token` has the shape new_session_token() produces; anything
/// else cannot be a session and is rejected without a database lookup.
bool looks_like_session_token(const std::string& token);

/// The SHA-256 of `token` as 64 lowercase hex characters: the only form in
/// which tokens are stored, cached or compared.
std::string token_hash(const std::string& token);

/// Compares two strings in time independent of where they differ (and of
/// their lengths, by comparing their SHA-256 digests).
bool constant_time_equal(const std::string& a, const std::string& b);

} // namespace kumo::gateway
