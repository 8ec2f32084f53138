#include "requests.hpp"

#include <cctype>
#include <optional>

namespace kumo::cli {

namespace {

std::optional<long> parse_number(const std::string& text, long max) {
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  auto value = std::stol(text);
  if (value > max)
    return std::nullopt;
  return value;
}

/// Digits at `text[pos]` (at most `max_digits`); advances `pos`.
std::optional<long> digits_at(const std::string& text, std::size_t& pos,
                              std::size_t max_digits) {
  auto start = pos;
  while (pos < text.size() && pos - start < max_digits &&
         std::isdigit(static_cast<unsigned char>(text[pos])))
    ++pos;
  if (pos == start)
    return std::nullopt;
  return std::stol(text.substr(start, pos - start));
}

/// Season and episode from a URL's last path segment (`...S01E02...`).
std::optional<std::pair<long, long>> episode_from_url(const std::string& url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  auto slash = path.rfind('/');
  auto file = slash == std::string::npos ? path : path.substr(slash + 1);
  for (std::size_t i = 0; i < file.size(); ++i) {
    if (file[i] != 'S' && file[i] != 's')
      continue;
    auto pos = i + 1;
    auto season = digits_at(file, pos, 4);
    if (!season || pos >= file.size() || (file[pos] != 'E' && file[pos] != 'e'))
      continue;
    ++pos;
    if (auto episode = digits_at(file, pos, 5))
      return std::make_pair(*season, *episode);
  }
  return std::nullopt;
}

} // namespace

std::string name_from_key(const std::string& key) {
  std::string name;
  bool start = true;
  for (char c : key) {
    if (c == '-') {
      name.push_back(' ');
      start = true;
      continue;
    }
    name.push_back(
        start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : c);
    start = false;
  }
  return name;
}

std::variant<nlohmann::json, usage_error>
build_add_request(const parsed_args& args) {
  auto series = args.get("series");
  if (!series || series->empty())
    return usage_error{"add: --series KEY is required (e.g. attack-on-titan)"};
  auto season_text = args.get("season");
  auto episode_text = args.get("episode");
  if (season_text.has_value() != episode_text.has_value())
    return usage_error{"add: give both --season and --episode, or neither"};
  std::optional<long> season;
  std::optional<long> episode;
  if (season_text) {
    season = parse_number(*season_text, 1000);
    episode = parse_number(*episode_text, 10000);
    if (!season || !episode)
      return usage_error{"add: --season must be 0 to 1000 and --episode 0 to "
                         "10000"};
  }
  auto priority = args.get("priority").value_or("normal");
  if (priority != "high" && priority != "normal" && priority != "low")
    return usage_error{"add: --priority must be high, normal or low"};
  auto name = args.get("name").value_or(name_from_key(*series));
  nlohmann::json episodes = nlohmann::json::array();
  long offset = 0;
  for (const auto& url : args.positionals) {
    std::pair<long, long> se;
    if (season) {
      se = {*season, *episode + offset++};
    } else if (auto found = episode_from_url(url)) {
      se = *found;
    } else {
      return usage_error{"add: cannot tell the episode of '" + url +
                         "': give --season N --episode M"};
    }
    episodes.push_back({{"season", se.first},
                        {"episode", se.second},
                        {"source",
                         {{"provider", args.get("provider").value_or("direct")},
                          {"url", url}}}});
  }
  return nlohmann::json{{"serie_id", *series},
                        {"serie_name", name},
                        {"serie_folder", args.get("folder").value_or(name)},
                        {"priority", priority},
                        {"episodes", episodes}};
}

} // namespace kumo::cli
