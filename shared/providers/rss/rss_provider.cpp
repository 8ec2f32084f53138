#include "rss/rss_provider.hpp"

namespace kumo::providers::rss {

rss_provider::rss_provider(std::shared_ptr<const fetcher> fetch,
                           feed_limits limits)
    : fetch_(std::move(fetch)), limits_(limits) {}

result<std::vector<search_hit>> rss_provider::search(const std::string&) {
  return search_not_supported(name());
}

result<series_details> rss_provider::series_info(const std::string& link) {
  auto got = fetch_->get(link);
  if (!got) {
    auto why = got.error();
    why.message = "feed " + link.substr(0, 200) + ": " + why.message;
    return why;
  }
  auto parsed = parse_feed(got->body, fetch_->policy(), limits_);
  if (!parsed) {
    auto why = parsed.error();
    why.message = "feed " + link.substr(0, 200) + ": " + why.message;
    return why;
  }
  return parsed;
}

result<std::vector<source>> rss_provider::resolve(const episode_info& episode) {
  if (episode.sources.empty())
    return invalid("episode '" + episode.guid.substr(0, 100) +
                   "' has no enclosure");
  return episode.sources;
}

} // namespace kumo::providers::rss
