#include "kumo/contracts/queue_requests.hpp"

#include "kumo/contracts/source_url.hpp"
#include "kumo/validate.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <utility>

namespace kumo::contracts {

namespace {

using json = nlohmann::json;
namespace lim = queue_limits;

field_error refuse(const std::string& path, const std::string& problem) {
  return {path, path + " " + problem};
}

/// "S01E02", "s1e2": the request's string form of an episode (letters
/// S and E, then digits), or nullopt when `s` is not shaped like one.
std::optional<std::pair<std::string, std::string>>
split_episode_code(const std::string& s) {
  if (s.size() < 4 || s.size() > 16 || (s[0] != 'S' && s[0] != 's'))
    return std::nullopt;
  auto e = s.find_first_of("Ee");
  if (e == std::string::npos || e < 2 || e + 1 >= s.size())
    return std::nullopt;
  auto digits = [](const std::string& part) {
    return std::all_of(part.begin(), part.end(),
                       [](unsigned char c) { return std::isdigit(c); });
  };
  auto season = s.substr(1, e - 1);
  auto episode = s.substr(e + 1);
  if (!digits(season) || !digits(episode))
    return std::nullopt;
  return std::make_pair(season, episode);
}

/// The number `digits` (at most 7 of them) if it is within 0..max.
std::optional<int> bounded_number(const std::string& digits, int64_t max) {
  if (digits.size() > 7)
    return std::nullopt;
  auto n = std::stoll(digits);
  if (n > max)
    return std::nullopt;
  return static_cast<int>(n);
}

/// A bare reference "S01E02": season and episode, no sources yet.
parsed<episode_request> read_episode_code(const std::string& code,
                                          const std::string& path) {
  auto parts = split_episode_code(code);
  if (!parts)
    return refuse(path, "must be an object {season, episode, source or "
                        "sources} or an episode reference like \"S01E02\"");
  auto season = bounded_number(parts->first, lim::max_season);
  if (!season)
    return refuse(path, "names season " + parts->first.substr(0, 16) +
                            "; seasons are 0.." +
                            std::to_string(lim::max_season));
  auto episode = bounded_number(parts->second, lim::max_episode);
  if (!episode)
    return refuse(path, "names episode " + parts->second.substr(0, 16) +
                            "; episodes are 0.." +
                            std::to_string(lim::max_episode));
  episode_request out;
  out.season = *season;
  out.episode = *episode;
  return out;
}

parsed<std::string> read_provider(const json& src, const std::string& where) {
  auto provider =
      read_text(src, where, "provider", {true, lim::max_provider_bytes});
  if (!provider)
    return provider;
  const auto& known = known_providers();
  if (std::find(known.begin(), known.end(), *provider) == known.end())
    return refuse(join_path(where, "provider"),
                  "must be one of direct, hls, rss, ytdlp");
  return provider;
}

/// One source object at `path`.
parsed<episode_source> read_source_object(const json* i,
                                          const std::string& path,
                                          const request_rules& rules) {
  if (!i->is_object())
    return refuse(path, "must be an object {provider, url}");
  episode_source out;
  auto provider = read_provider(*i, path);
  if (!provider)
    return provider.error();
  out.provider = *provider;
  auto url = read_text(*i, path, "url", {true, max_url_bytes});
  if (!url)
    return url.error();
  if (auto problem = source_url_problem(*url, rules.addresses))
    return refuse(join_path(path, "url"), *problem);
  out.url = *url;
  auto sha = read_sha256(*i, path);
  if (!sha)
    return sha.error();
  out.sha256 = *sha;
  auto size = read_int(*i, path, "size", 0, lim::max_size, -1);
  if (!size)
    return size.error();
  out.size = *size;
  return out;
}

/// "sources": 1..max_sources source objects, first tried first.
parsed<std::vector<episode_source>>
read_source_list(const json& list, const std::string& path,
                 const request_rules& rules) {
  if (!list.is_array())
    return refuse(path, "must be an array of {provider, url}");
  if (list.empty())
    return refuse(path, "must not be empty");
  if (list.size() > lim::max_sources)
    return refuse(path, "has more than " + std::to_string(lim::max_sources) +
                            " entries");
  std::vector<episode_source> out;
  for (size_t k = 0; k < list.size(); ++k) {
    auto src = read_source_object(&list[k],
                                  path + "[" + std::to_string(k) + "]", rules);
    if (!src)
      return src.error();
    out.push_back(*src);
  }
  return out;
}

/// Either "source" (one) or "sources" (an ordered list), not both.
parsed<std::vector<episode_source>> read_sources(const json& ep,
                                                 const std::string& where,
                                                 const std::string& label,
                                                 const request_rules& rules) {
  auto one = ep.find("source");
  auto many = ep.find("sources");
  bool has_one = one != ep.end() && !one->is_null();
  bool has_many = many != ep.end() && !many->is_null();
  if (has_one && has_many)
    return refuse(join_path(where, "sources"),
                  "must not be given together with source");
  if (has_many)
    return read_source_list(*many, join_path(where, "sources"), rules);
  auto path = join_path(where, "source");
  if (!has_one)
    return field_error{path, "episode " + label + " has no source"};
  auto src = read_source_object(&*one, path, rules);
  if (!src)
    return src.error();
  return std::vector<episode_source>{*src};
}

parsed<episode_request> read_episode(const json& ep, size_t index,
                                     const request_rules& rules) {
  auto path = "episodes[" + std::to_string(index) + "]";
  if (ep.is_string())
    return read_episode_code(ep.get<std::string>(), path);
  if (!ep.is_object())
    return refuse(path,
                  "must be an object {season, episode, source or sources}");
  auto season = read_int(ep, path, "season", 0, lim::max_season);
  if (!season)
    return season.error();
  auto episode = read_int(ep, path, "episode", 0, lim::max_episode);
  if (!episode)
    return episode.error();
  episode_request out;
  out.season = static_cast<int>(*season);
  out.episode = static_cast<int>(*episode);
  auto sources =
      read_sources(ep, path, episode_label(out.season, out.episode), rules);
  if (!sources)
    return sources.error();
  out.sources = *sources;
  out.source = out.sources.front();
  return out;
}

parsed<std::vector<episode_request>> read_episodes(const json& body,
                                                   const request_rules& rules) {
  auto i = body.find("episodes");
  if (i == body.end() || i->is_null())
    return refuse("episodes", "is required");
  if (!i->is_array())
    return refuse("episodes", "must be an array");
  if (i->empty())
    return refuse("episodes", "must not be empty");
  if (i->size() > lim::max_episodes)
    return refuse("episodes", "has more than " +
                                  std::to_string(lim::max_episodes) +
                                  " entries");
  std::vector<episode_request> out;
  std::set<std::pair<int, int>> seen;
  for (size_t k = 0; k < i->size(); ++k) {
    auto ep = read_episode((*i)[k], k, rules);
    if (!ep)
      return ep.error();
    if (!seen.emplace(ep->season, ep->episode).second)
      return field_error{"episodes[" + std::to_string(k) + "]",
                         "episode " + episode_label(ep->season, ep->episode) +
                             " is listed more than once"};
    out.push_back(*ep);
  }
  return out;
}

parsed<std::string> read_folder(const json& body) {
  auto folder =
      read_text(body, "", "serie_folder", {true, lim::max_text_bytes});
  if (folder && (*folder == "." || *folder == ".." ||
                 folder->find_first_of("/\\") != std::string::npos))
    return refuse("serie_folder", "must be a single folder name (no '/', "
                                  "'\\', '.' or '..')");
  return folder;
}

parsed<std::string> read_id(const json& body) {
  auto i = body.find("id");
  if (i == body.end() || i->is_null())
    return refuse("id", "is required");
  return read_uuid_value(*i, "id");
}

} // namespace

std::string episode_label(int season, int episode) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "S%02dE%02d", season, episode);
  return buf;
}

const std::vector<std::string>& known_providers() {
  static const std::vector<std::string> names{"direct", "hls", "rss", "ytdlp"};
  return names;
}

const char* to_string(priority_level p) {
  switch (p) {
  case priority_level::low:
    return "low";
  case priority_level::high:
    return "high";
  default:
    return "normal";
  }
}

parsed<priority_level> read_priority(const json& value,
                                     const std::string& path) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "high")
      return priority_level::high;
    if (s == "normal")
      return priority_level::normal;
    if (s == "low")
      return priority_level::low;
  } else if (value.is_number_integer()) {
    auto n = value.is_number_unsigned()
                 ? static_cast<int64_t>(
                       std::min<uint64_t>(value.get<uint64_t>(), 99))
                 : value.get<int64_t>();
    if (n >= 0 && n <= 2)
      return static_cast<priority_level>(n);
  }
  return refuse(path, R"(must be "high", "normal" or "low" (or 2, 1, 0))");
}

parsed<add_request> parse_add(const json& body, const request_rules& rules) {
  if (!body.is_object())
    return field_error{"", "body must be a JSON object"};
  add_request out;
  auto key = read_text(body, "", "serie_id", {true, lim::max_text_bytes});
  if (!key)
    return key.error();
  if (!is_series_key(*key))
    return refuse("serie_id", "must be a series key: lowercase letters and "
                              "digits joined by single hyphens, e.g. "
                              "\"attack-on-titan\"");
  out.serie_id = *key;
  auto folder = read_folder(body);
  if (!folder)
    return folder.error();
  out.serie_folder = *folder;
  auto name = read_text(body, "", "serie_name", {true, lim::max_text_bytes});
  if (!name)
    return name.error();
  out.serie_name = *name;
  if (auto p = body.find("priority"); p != body.end() && !p->is_null()) {
    auto prio = read_priority(*p, "priority");
    if (!prio)
      return prio.error();
    out.priority = *prio;
  }
  auto episodes = read_episodes(body, rules);
  if (!episodes)
    return episodes.error();
  out.episodes = *episodes;
  return out;
}

json to_json(const episode_source& src) {
  json out{{"provider", src.provider}, {"url", src.url}};
  if (!src.sha256.empty())
    out["sha256"] = src.sha256;
  if (src.size >= 0)
    out["size"] = src.size;
  return out;
}

json to_json(const add_request& req) {
  auto episodes = json::array();
  for (const auto& ep : req.episodes) {
    if (ep.unresolved()) {
      episodes.push_back(episode_label(ep.season, ep.episode));
      continue;
    }
    json entry{{"season", ep.season}, {"episode", ep.episode}};
    if (ep.sources.size() > 1) {
      auto list = json::array();
      for (const auto& src : ep.sources)
        list.push_back(to_json(src));
      entry["sources"] = std::move(list);
    } else {
      entry["source"] = to_json(ep.source);
    }
    episodes.push_back(std::move(entry));
  }
  return {{"serie_id", req.serie_id},
          {"serie_folder", req.serie_folder},
          {"serie_name", req.serie_name},
          {"priority", to_string(req.priority)},
          {"episodes", std::move(episodes)}};
}

parsed<item_request> parse_item(const json& body) {
  if (!body.is_object())
    return field_error{"", "body must be a JSON object"};
  auto id = read_id(body);
  if (!id)
    return id.error();
  return item_request{*id};
}

json to_json(const item_request& req) {
  return {{"id", req.id}};
}

parsed<priority_request> parse_priority_request(const json& body) {
  auto item = parse_item(body);
  if (!item)
    return item.error();
  auto p = body.find("priority");
  if (p == body.end() || p->is_null())
    return refuse("priority", "is required");
  auto prio = read_priority(*p, "priority");
  if (!prio)
    return prio.error();
  return priority_request{item->id, *prio};
}

json to_json(const priority_request& req) {
  return {{"id", req.id}, {"priority", to_string(req.priority)}};
}

parsed<retry_request> parse_retry(const json& body) {
  if (!body.is_object())
    return field_error{"", "body must be a JSON object"};
  retry_request out;
  auto i = body.find("ids");
  if (i == body.end() || i->is_null())
    return out;
  if (!i->is_array())
    return refuse("ids", "must be an array of UUIDs");
  if (i->size() > lim::max_ids)
    return refuse("ids",
                  "has more than " + std::to_string(lim::max_ids) + " entries");
  out.all = false;
  for (size_t k = 0; k < i->size(); ++k) {
    auto id = read_uuid_value((*i)[k], "ids[" + std::to_string(k) + "]");
    if (!id)
      return id.error();
    out.ids.push_back(*id);
  }
  return out;
}

json to_json(const retry_request& req) {
  if (req.all)
    return json::object();
  return {{"ids", req.ids}};
}

} // namespace kumo::contracts
