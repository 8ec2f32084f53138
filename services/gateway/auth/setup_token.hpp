#pragma once

// The one-time token that guards first-run setup on a gateway reachable
// beyond loopback: whoever reaches a fresh gateway first would otherwise
// choose its master password. Thread-safe.

#include <mutex>
#include <string>

namespace kumo::gateway {

/// True when `bind` (the http_bind option) only listens on loopback:
/// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_bind(const std::string& bind);

class setup_token {
public:
  /// `token` "" means setup needs no token.
  explicit setup_token(std::string token = {});

  bool required() const;

  /// Whether `presented` is the token (compared in constant time). Always
  /// false once consumed.
  bool accepts(const std::string& presented) const;

  /// Makes the token unusable (after a successful setup).
  void consume();

private:
  mutable std::mutex mutex_;
  std::string token_;
  bool consumed_ = false;
};

} // namespace kumo::gateway
