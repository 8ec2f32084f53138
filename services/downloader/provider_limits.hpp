#pragma once

// The runtime settings of each provider that a downloader applies:
// `bandwidth_limit_bps` (at once, to every running download of the
// provider), `max_connections` (to the next segment plan) and `timeout_s`
// (to the next request: connect and stall deadlines). Filled from
// `kumo.providers.config` messages; shared by the worker and every job's
// threads, so guarded by a mutex.

#include "kumo/result.hpp"
#include "token_bucket.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kumo::downloader {

/// The part of one provider's runtime config the downloader uses.
struct provider_runtime {
  std::string name;
  int64_t bandwidth_limit_bps = 0; ///< over the provider's downloads, 0: none
  int max_connections = 4;         ///< connections of one download
  int64_t timeout_s = 0;           ///< request deadlines, 0: not given
};

/// Parses `{"providers": [{"name": ..., "bandwidth_limit_bps": N,
/// "max_connections": N, "timeout_s": N, ...}, ...]}` (other members
/// ignored). Refuses a body that is not such an object, a provider without
/// a name, a negative limit, max_connections outside 1..16 or timeout_s
/// outside 1..86400.
result<std::vector<provider_runtime>>
parse_provider_config(const std::string& text);

class provider_limits {
public:
  /// `default_connections` holds for providers no message named yet.
  /// `keep_option_timeouts`: the downloader's timeout options were set and
  /// hold for every provider (timeouts() changes nothing).
  explicit provider_limits(int default_connections = 4,
                           bool keep_option_timeouts = false);

  /// Applies a config: changed limits act on running downloads at once;
  /// providers it does not name keep their settings.
  void apply(const std::vector<provider_runtime>& providers);

  /// The bandwidth bucket every download of `provider` draws from (rate 0
  /// while unlimited). Never null; stable for the process's life.
  std::shared_ptr<token_bucket> bucket(const std::string& provider);

  /// Connections of one download of `provider`: the runtime config's
  /// value, at most the worker's own `max_connections` option (the default
  /// for providers the config does not name).
  int max_connections(const std::string& provider) const;

  /// The deadlines of the next request to `provider`'s source: with a
  /// timeout_s from the runtime config, no byte for that long stalls it
  /// (`stall`) and connecting takes at most that long (`connect`, never
  /// longer than given); otherwise both stay as given (the options).
  void timeouts(const std::string& provider, std::chrono::milliseconds& connect,
                std::chrono::milliseconds& stall) const;

private:
  struct entry {
    std::shared_ptr<token_bucket> bucket;
    int max_connections;
    int64_t timeout_s = 0;
  };
  entry& find(const std::string& provider);

  int default_connections_;
  bool keep_option_timeouts_;
  mutable std::mutex mutex_;
  std::map<std::string, entry> entries_;
};

/// Burst allowed for a limit of `rate` bytes/s: a tenth of a second, at
/// least 16 KiB.
int64_t burst_for(int64_t rate);

} // namespace kumo::downloader
