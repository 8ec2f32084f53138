#pragma once

// The event streams open under each login session, so that revoking a
// session (logout, here or on another gateway) ends its streams at once.
// Thread-safe; knows nothing about HTTP or actors.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kumo::gateway {

class session_streams {
public:
  /// Remembers a stream of the session whose token hash is `token_hash`;
  /// `end` is called (at most once, under no lock of ours) when the session
  /// is revoked. Returns a ticket for remove().
  uint64_t add(const std::string& token_hash, std::function<void()> end);

  /// Forgets a stream that ended by itself.
  void remove(uint64_t ticket);

  /// Ends every stream of the session; returns how many there were.
  size_t revoke(const std::string& token_hash);

  size_t size() const;

private:
  struct entry {
    std::string token_hash;
    std::function<void()> end;
  };

  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, entry> streams_;
  uint64_t next_ticket_ = 1;
};

} // namespace kumo::gateway
