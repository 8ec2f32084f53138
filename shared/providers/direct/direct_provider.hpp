#pragma once

// Provider "direct": a plain http(s) URL is one episode with one source,
// fetched as is (the queue's `direct` sources).

#include "kumo/address_policy.hpp"
#include "provider.hpp"

namespace kumo::providers::direct {

class direct_provider final : public provider {
public:
  explicit direct_provider(address_policy policy = address_policy{});

  std::string name() const override {
    return "direct";
  }

  /// A URL cannot be searched: always the failure search_not_supported.
  result<std::vector<search_hit>> search(const std::string& query) override;

  /// One episode: title = the URL's last path segment, guid = the URL, one
  /// source {"direct", link}. No network access. `link` must pass
  /// contracts::source_url_problem with the policy.
  result<series_details> series_info(const std::string& link) override;

  /// The episode's sources as given, each URL checked again.
  result<std::vector<source>> resolve(const episode_info& episode) override;

private:
  address_policy policy_;
};

} // namespace kumo::providers::direct
