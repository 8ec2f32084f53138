#include "auth/session_cache.hpp"

#include <algorithm>

namespace kumo::gateway {

namespace {

template <class Map, class TimePoint>
void drop_expired(Map& map, TimePoint now) {
  for (auto i = map.begin(); i != map.end();) {
    if (i->second <= now)
      i = map.erase(i);
    else
      ++i;
  }
}

} // namespace

session_cache::session_cache(std::chrono::milliseconds ttl, size_t capacity,
                             std::chrono::milliseconds tombstone_ttl)
    : ttl_(ttl), capacity_(capacity), tombstone_ttl_(tombstone_ttl) {
  // nop
}

bool session_cache::valid(const std::string& hash, time_point now) {
  auto i = entries_.find(hash);
  if (i == entries_.end())
    return false;
  if (i->second <= now) {
    entries_.erase(i);
    return false;
  }
  return true;
}

void session_cache::remember(const std::string& hash,
                             std::chrono::milliseconds session_left,
                             time_point now) {
  if (session_left <= std::chrono::milliseconds{0} || capacity_ == 0)
    return;
  if (auto i = revoked_.find(hash); i != revoked_.end()) {
    if (i->second > now)
      return;
    revoked_.erase(i);
  }
  if (entries_.size() >= capacity_ && entries_.count(hash) == 0) {
    prune(now);
    if (entries_.size() >= capacity_)
      entries_.clear(); // all fresh: start over rather than grow
  }
  entries_[hash] = now + std::min(ttl_, session_left);
}

void session_cache::forget(const std::string& hash, time_point now) {
  entries_.erase(hash);
  if (revoked_.size() >= capacity_)
    drop_expired(revoked_, now);
  // Past capacity a tombstone is skipped: the entry is gone either way, and
  // only a check racing this very revocation could re-add it.
  if (revoked_.size() < capacity_)
    revoked_[hash] = now + tombstone_ttl_;
}

void session_cache::prune(time_point now) {
  drop_expired(entries_, now);
}

} // namespace kumo::gateway
