#include "feeds/feed_plan.hpp"

#include "parse/episode_name.hpp"

#include <set>

namespace kumo::scanner {

namespace {

using json = nlohmann::json;

constexpr int max_queue_season = 1000;
constexpr int max_queue_episode = 10000;
constexpr std::size_t max_reasons = 10;

void skip(numbered_listing& out, std::string why) {
  ++out.skipped_total;
  if (out.skipped.size() < max_reasons)
    out.skipped.push_back(std::move(why));
}

/// The numbers of `ep`: the provider's, else the parser's; false when
/// neither gives one.
bool numbers_of(const providers::episode_info& ep, int& season, int& number) {
  if (ep.season && ep.episode) {
    season = *ep.season;
    number = *ep.episode;
    return true;
  }
  auto parsed = parse_episode_name(ep.title);
  if (parsed.season && !parsed.episodes.empty()) {
    season = *parsed.season;
    number = parsed.episodes.front();
    return true;
  }
  if (!parsed.absolute.empty() ||
      (!parsed.episodes.empty() && !parsed.season)) {
    season = 1;
    number = parsed.absolute.empty() ? parsed.episodes.front()
                                     : parsed.absolute.front();
    return true;
  }
  return false;
}

std::string label(const providers::episode_info& ep) {
  return ep.title.empty() ? "item " + ep.guid.substr(0, 80)
                          : "'" + ep.title.substr(0, 80) + "'";
}

std::string code(int season, int episode) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "S%02dE%02d", season, episode);
  return buf;
}

} // namespace

numbered_listing number_episodes(const providers::series_details& info) {
  numbered_listing out;
  out.skipped = info.skipped;
  out.skipped_total = info.skipped_total;
  std::set<std::pair<int, int>> seen;
  for (const auto& ep : info.episodes) {
    int season = 0;
    int number = 0;
    if (ep.sources.empty()) {
      skip(out, label(ep) + " has no source");
      continue;
    }
    if (!numbers_of(ep, season, number)) {
      skip(out, label(ep) + " has no episode number (neither in the feed "
                            "nor in its title)");
      continue;
    }
    if (season < 0 || season > max_queue_season || number < 0 ||
        number > max_queue_episode) {
      skip(out, label(ep) + " is numbered beyond season 1000 / episode 10000");
      continue;
    }
    if (!seen.emplace(season, number).second) {
      skip(out, label(ep) + " repeats " + code(season, number));
      continue;
    }
    out.episodes.push_back(
        {season, number, ep.title, ep.air_date, ep.guid, ep.sources});
  }
  return out;
}

json to_json(const std::vector<feed_episode>& episodes) {
  auto out = json::array();
  for (const auto& ep : episodes) {
    auto sources = json::array();
    int position = 0;
    for (const auto& s : ep.sources) {
      if (position == 8)
        break;
      sources.push_back({{"position", position++},
                         {"provider", s.provider},
                         {"url", s.url},
                         {"sha256", s.sha256},
                         {"size", s.size}});
    }
    out.push_back(
        {{"season", ep.season},
         {"episode", ep.episode},
         {"title", ep.title},
         {"air_date", ep.air_date.empty() ? json(nullptr) : json(ep.air_date)},
         {"guid", ep.guid},
         {"sources", std::move(sources)}});
  }
  return out;
}

json queue_add_body(const queue_target& target,
                    const std::vector<feed_episode>& episodes) {
  auto list = json::array();
  for (const auto& ep : episodes) {
    auto sources = json::array();
    for (const auto& src : ep.sources) {
      if (sources.size() == max_queue_sources)
        break;
      json one{{"provider", src.provider}, {"url", src.url}};
      if (!src.sha256.empty())
        one["sha256"] = src.sha256;
      if (src.size >= 0)
        one["size"] = src.size;
      sources.push_back(std::move(one));
    }
    list.push_back({{"season", ep.season},
                    {"episode", ep.episode},
                    {"sources", std::move(sources)}});
  }
  auto name = target.name;
  if (name.size() > 255) {
    name.resize(255);
    while (!name.empty() &&
           (static_cast<unsigned char>(name.back()) & 0xC0) == 0x80)
      name.pop_back();
    if (!name.empty() && static_cast<unsigned char>(name.back()) >= 0xC0)
      name.pop_back();
  }
  return {{"serie_id", target.key},
          {"serie_folder", target.folder},
          {"serie_name", name},
          {"priority", "normal"},
          {"episodes", std::move(list)}};
}

} // namespace kumo::scanner
