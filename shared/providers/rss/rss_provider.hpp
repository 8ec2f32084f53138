#pragma once

// Provider "rss": a series is an RSS 2.0 or Atom feed (its URL is the
// series' link); each item with an enclosure is an episode whose source is
// the enclosure URL.

#include "fetch.hpp"
#include "provider.hpp"
#include "rss/feed_parse.hpp"

#include <memory>

namespace kumo::providers::rss {

class rss_provider final : public provider {
public:
  explicit rss_provider(std::shared_ptr<const fetcher> fetch,
                        feed_limits limits = {});

  std::string name() const override {
    return "rss";
  }

  /// Feeds cannot be searched: always the failure search_not_supported.
  result<std::vector<search_hit>> search(const std::string& query) override;

  /// Fetches the feed at `link` and parses it (parse_feed).
  result<series_details> series_info(const std::string& link) override;

  /// The episode's own enclosure: a feed names its sources in the item.
  result<std::vector<source>> resolve(const episode_info& episode) override;

private:
  std::shared_ptr<const fetcher> fetch_;
  feed_limits limits_;
};

} // namespace kumo::providers::rss
