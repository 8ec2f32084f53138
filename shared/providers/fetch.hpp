#pragma once

// The one way providers read the network: a bounded HTTP(S) GET into
// memory. Every address a host resolves to is checked against the
// address_policy when a connection is opened (also after each redirect),
// the whole request has a deadline, the body a size cap and the redirects
// a count cap. Blocking: call it from a thread that may block.

#include "kumo/address_policy.hpp"
#include "kumo/result.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace kumo::providers {

struct fetch_limits {
  std::chrono::milliseconds timeout{15'000}; ///< the whole request
  std::chrono::milliseconds connect_timeout{5'000};
  std::size_t max_body_bytes = std::size_t{8} << 20; ///< 8 MiB
  int max_redirects = 3;
};

struct fetch_response {
  long status = 0;
  std::string content_type;
  std::string body;
  std::string final_url; ///< after redirects
};

/// Fetches one URL for providers. Thread-safe: one fetcher may serve
/// several threads.
class fetcher {
public:
  fetcher(std::shared_ptr<const address_policy> policy, fetch_limits limits,
          std::string user_agent = "kumo");

  /// GETs `url` (http or https only). A status other than 2xx, a body past
  /// the cap, a refused address, too many redirects, or the deadline is a
  /// failure whose message names what happened: errc::invalid_argument
  /// for what retrying cannot fix (bad URL, refused address, cap, status
  /// 4xx), errc::unavailable or errc::timeout otherwise.
  result<fetch_response> get(const std::string& url) const;

  const address_policy& policy() const {
    return *policy_;
  }

private:
  std::shared_ptr<const address_policy> policy_;
  fetch_limits limits_;
  std::string user_agent_;
};

} // namespace kumo::providers
