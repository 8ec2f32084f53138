#include "episode_resolve.hpp"

#include "kumo/contracts/source_url.hpp"

#include <algorithm>

namespace kumo::queue {

namespace {

using json = nlohmann::json;

/// The scanner's error object in `doc`, or nullptr.
const json* error_of(const json& doc) {
  auto e = doc.find("error");
  return e != doc.end() && e->is_object() ? &*e : nullptr;
}

std::string text_of(const json& obj, const char* key) {
  auto i = obj.find(key);
  return i != obj.end() && i->is_string() ? i->get<std::string>() : "";
}

/// One listed source as the queue accepts sources of an add, or nullopt.
std::optional<wire::source> checked_source(const json& s,
                                           const contracts::request_rules& r) {
  if (!s.is_object())
    return std::nullopt;
  wire::source out{text_of(s, "provider"), text_of(s, "url"),
                   text_of(s, "sha256"), -1};
  const auto& known = contracts::known_providers();
  if (std::find(known.begin(), known.end(), out.provider) == known.end() ||
      out.url.empty() || contracts::source_url_problem(out.url, r.addresses))
    return std::nullopt;
  if (auto size = s.find("size"); size != s.end() && size->is_number_integer())
    out.size = std::max<int64_t>(size->get<int64_t>(), -1);
  if (out.sha256.size() != 64)
    out.sha256.clear();
  return out;
}

} // namespace

int first_unresolved(const add_command& add) {
  for (size_t i = 0; i < add.episodes.size(); ++i)
    if (add.episodes[i].sources.empty() && add.episodes[i].src.url.empty())
      return static_cast<int>(i);
  return -1;
}

json episode_sources_request(const std::string& key,
                             std::optional<std::pair<int, int>> ep) {
  json out{{"key", key}};
  if (ep)
    out["episodes"] = {{{"season", ep->first}, {"episode", ep->second}}};
  return out;
}

std::string series_site(const std::string& answer) {
  auto doc = json::parse(answer, nullptr, false);
  if (!doc.is_object() || error_of(doc))
    return {};
  auto site = doc.find("site");
  return site != doc.end() && site->is_string() ? site->get<std::string>()
                                                : std::string{};
}

std::optional<add_refusal> judge_series(const add_command& add,
                                        const std::string& answer,
                                        const std::string& bus_error) {
  auto index = first_unresolved(add);
  if (index < 0)
    return std::nullopt;
  auto field = "episodes[" + std::to_string(index) + "]";
  const auto& ep = add.episodes[static_cast<size_t>(index)];
  auto label = contracts::episode_label(ep.season, ep.episode);
  if (!bus_error.empty())
    return add_refusal{"unavailable", field,
                       "cannot check the provider of series " + add.serie_id +
                           " for " + label + ": " + bus_error};
  auto doc = json::parse(answer, nullptr, false);
  bool known = doc.is_object() && !error_of(doc);
  if (known && doc.value("has_provider", false))
    return std::nullopt;
  auto why = known ? "series " + add.serie_id + " has no provider"
                   : "series " + add.serie_id + " is not in the library";
  return add_refusal{"invalid_argument", field,
                     field + " " + label + " is a bare episode reference but " +
                         why +
                         ", so it has no source: give {season, episode, "
                         "source or sources}"};
}

resolve_command read_resolution(const std::string& answer,
                                const std::string& bus_error, int season,
                                int episode,
                                const contracts::request_rules& rules) {
  resolve_command out;
  auto label = contracts::episode_label(season, episode);
  if (!bus_error.empty()) {
    out.transient = true;
    out.error = "cannot resolve episode " + label +
                ": the scanner did not answer (" + bus_error + ")";
    return out;
  }
  auto doc = json::parse(answer, nullptr, false);
  if (!doc.is_object() || error_of(doc)) {
    auto why = doc.is_object() && error_of(doc)
                   ? text_of(*error_of(doc), "message")
                   : std::string{"an unreadable answer"};
    out.error = "cannot resolve episode " + label + ": " + why;
    return out;
  }
  for (const auto& ep : doc.value("episodes", json::array())) {
    if (!ep.is_object() || ep.value("season", -1) != season ||
        ep.value("episode", -1) != episode)
      continue;
    for (const auto& s : ep.value("sources", json::array()))
      if (auto src = checked_source(s, rules);
          src && out.sources.size() < contracts::queue_limits::max_sources)
        out.sources.push_back(*src);
    if (out.sources.empty())
      out.error =
          "episode " + label + " has no usable source at the series' provider";
    return out;
  }
  out.error = "episode " + label + " is not known to the series' provider";
  return out;
}

} // namespace kumo::queue
