#pragma once

// Remembers, for a few seconds, token hashes the database confirmed, so most
// requests need no database round trip. An entry never outlives its session,
// and forget() (logout on this gateway) takes effect at once. Pure: the
// caller passes the time. Not thread-safe; guard it with a mutex.
//
// forget() also leaves a tombstone for `tombstone_ttl`: a check that read the
// session from the database just before it was revoked cannot put it back.

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace kumo::gateway {

class session_cache {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// `ttl`: how long a confirmation is trusted; `capacity`: entries kept;
  /// `tombstone_ttl`: longer than any database check can take.
  session_cache(
      std::chrono::milliseconds ttl, size_t capacity,
      std::chrono::milliseconds tombstone_ttl = std::chrono::seconds(60));

  /// True when `hash` was confirmed less than `ttl` ago and its session has
  /// not expired at `now`.
  bool valid(const std::string& hash, time_point now);

  /// Records that the database confirmed `hash` at `now`, with the session
  /// ending `session_left` later. Ignored for a hash forgotten less than
  /// `tombstone_ttl` ago.
  void remember(const std::string& hash, std::chrono::milliseconds session_left,
                time_point now);

  /// Drops `hash` at `now` (its session was revoked).
  void forget(const std::string& hash, time_point now);

  size_t size() const {
    return entries_.size();
  }

private:
  void prune(time_point now);

  std::chrono::milliseconds ttl_;
  size_t capacity_;
  std::chrono::milliseconds tombstone_ttl_;
  std::unordered_map<std::string, time_point>
      entries_; ///< hash -> trusted until
  std::unordered_map<std::string, time_point>
      revoked_; ///< hash -> tombstone until
};

} // namespace kumo::gateway
