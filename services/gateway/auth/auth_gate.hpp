#pragma once

// The gateway's authentication, shared by every HTTP thread: verifies
// credentials (the static API key, a named API key checked against the key
// store, or a session token checked against the auth store, both with a
// short cache), logs in with brute-force limiting, logs out.
// Thread-safe. Knows nothing about HTTP; routes_auth.cpp maps its answers.

#include "auth/api_keys.hpp"
#include "auth/auth_policy.hpp"
#include "auth/auth_store.hpp"
#include "auth/key_store.hpp"
#include "auth/login_limiter.hpp"
#include "auth/password.hpp"
#include "auth/session_cache.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace prometheus {
class Counter;
}

namespace kumo::gateway {

struct auth_options {
  std::chrono::milliseconds session_ttl{std::chrono::hours(24 * 7)};
  std::string api_key; ///< "" disables it
  std::chrono::milliseconds cache_ttl{std::chrono::seconds(5)};
  login_limiter::options limits;
  scrypt_params hashing;
};

/// Counters of the degraded and refused paths (any may be null).
struct auth_counters {
  prometheus::Counter* login_ok = nullptr;
  prometheus::Counter* login_failed = nullptr;
  prometheus::Counter* login_locked = nullptr;
  prometheus::Counter* rejected = nullptr;
  prometheus::Counter* store_errors = nullptr;
};

enum class auth_verdict {
  allowed,
  denied,      ///< missing, wrong, forged, revoked or expired credentials
  unavailable, ///< the store could not be asked
};

class auth_gate {
public:
  auth_gate(auth_client client, key_client keys, auth_options opts,
            auth_counters counters);

  /// Whether `creds` grant access now.
  auth_verdict check(const credentials& creds);

  /// Whether the master account exists; errors: store unavailable/timeout.
  caf::expected<bool> configured() const;

  enum class setup_outcome { created, exists, bad_password, failed };
  struct setup_result {
    setup_outcome outcome;
    std::string detail; ///< why the password was refused, or the error
  };
  setup_result setup(const std::string& password);

  enum class login_outcome {
    ok,
    wrong_password,
    locked,
    not_configured,
    failed
  };
  struct login_result {
    login_outcome outcome;
    std::string token;                   ///< when ok
    std::string expires_at;              ///< when ok, ISO-8601 UTC
    std::chrono::seconds retry_after{0}; ///< when locked
    std::string detail;                  ///< when failed
  };
  login_result login(const std::string& client, const std::string& password);

  /// Revokes the session `creds` present (nothing to do for the API key).
  /// Effective on this gateway at once; other gateways drop their cached
  /// confirmation within `cache_ttl`.
  caf::expected<bool> logout(const credentials& creds);

  /// SHA-256 (hex) of the session token or named API key `creds` carry;
  /// "" when they carry neither (or only the static API key).
  std::string session_hash(const credentials& creds) const;

  /// Whether the session or named key with hash `hash` is valid now (through
  /// the cache; also when the store cannot be asked).
  bool session_valid(const std::string& hash);

  /// True when `creds` present a named API key (rather than a login session
  /// or the operator's static key): such keys cannot manage keys.
  static bool is_named_key(const credentials& creds);

  /// Deletes named key `id` and drops its cached confirmation at once.
  /// Answers its hash ("" when there was no such key).
  caf::expected<std::string> revoke_key(int64_t id);

  const key_client& keys() const {
    return keys_;
  }

  /// Drops the cached confirmation of a session revoked elsewhere.
  void forget(const std::string& hash);

  std::chrono::milliseconds session_ttl() const {
    return opts_.session_ttl;
  }

private:
  /// The session token `creds` carry: the bearer token, else the cookie.
  static std::string session_token(const credentials& creds);
  auth_verdict check_session(const std::string& token);
  auth_verdict check_hash(const std::string& hash);
  auth_verdict check_key(const std::string& key);
  /// Asks the store about `hash`: milliseconds it stays valid (0: not valid).
  caf::expected<std::chrono::milliseconds>
  lookup(const std::string& hash) const;
  void count(prometheus::Counter* c) const;

  auth_client client_;
  key_client keys_;
  touch_throttle touches_{std::chrono::minutes(1)};
  auth_options opts_;
  auth_counters counters_;
  std::mutex cache_mtx_;
  session_cache cache_;
  /// Serializes scrypt (32 MiB and ~0.1 s each) and, with it, the limiter's
  /// check-verify-record sequence, so parallel guesses cannot slip through.
  std::mutex login_mtx_;
  login_limiter limiter_;
};

} // namespace kumo::gateway
