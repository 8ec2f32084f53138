#include "direct/direct_provider.hpp"

#include "kumo/contracts/source_url.hpp"

namespace kumo::providers::direct {

namespace {

std::string last_segment(const std::string& url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  auto slash = path.find_last_of('/');
  auto name = slash == std::string::npos ? path : path.substr(slash + 1);
  return name.empty() ? url : name;
}

} // namespace

direct_provider::direct_provider(address_policy policy)
    : policy_(std::move(policy)) {}

result<std::vector<search_hit>> direct_provider::search(const std::string&) {
  return search_not_supported(name());
}

result<series_details> direct_provider::series_info(const std::string& link) {
  if (auto problem = contracts::source_url_problem(link, policy_))
    return invalid("link " + *problem, "link");
  episode_info ep;
  ep.title = last_segment(link);
  ep.guid = link;
  ep.sources.push_back({"direct", link, "", -1});
  series_details out;
  out.title = ep.title;
  out.episodes.push_back(std::move(ep));
  return out;
}

result<std::vector<source>>
direct_provider::resolve(const episode_info& episode) {
  if (episode.sources.empty())
    return invalid("episode '" + episode.guid.substr(0, 100) +
                   "' has no source");
  for (const auto& s : episode.sources)
    if (auto problem = contracts::source_url_problem(s.url, policy_))
      return invalid("source " + *problem, "url");
  return episode.sources;
}

} // namespace kumo::providers::direct
