#pragma once

// Named API keys: their shape, their names, and how often their last use is
// written down. Pure apart from OpenSSL's random generator.
//
// A key is "kumo_" followed by 32 random bytes in base64url (48 characters
// in all). Only its SHA-256 is stored: with 256 bits of entropy no guess can
// succeed, so a slow password hash (scrypt) would add cost to every request
// and no protection.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace kumo::gateway {

/// A fresh key, or "" when the random generator fails.
std::string new_api_key();

/// True when `text` has the shape new_api_key() produces; anything else is
/// rejected without a database lookup.
bool looks_like_api_key(const std::string& text);

/// The part of a key that may be shown again after creation ("kumo_" and
/// 6 more characters): enough to tell keys apart, far too little to guess.
std::string api_key_prefix(const std::string& key);

/// Why `name` cannot name a key (empty, over 64 bytes, not UTF-8 text, or
/// holding control characters), or nullopt when it can.
std::optional<std::string> key_name_problem(const std::string& name);

/// Decides when the last use of a key is written to the database: at most
/// once per `interval` per key, not on every request. Thread-safe.
class touch_throttle {
public:
  using clock = std::chrono::steady_clock;

  explicit touch_throttle(std::chrono::milliseconds interval,
                          size_t capacity = 10'000);

  /// True when the use of `hash` at `now` should be written (and records
  /// that it was).
  bool due(const std::string& hash, clock::time_point now);

  /// Forgets `hash` (its key was revoked).
  void forget(const std::string& hash);

private:
  std::chrono::milliseconds interval_;
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, clock::time_point> last_;
};

} // namespace kumo::gateway
