#include "legacy/legacy_record.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace kumo::scanner::legacy {

namespace {

using json = nlohmann::json;

/// The deepest nesting of arrays and objects in `text`, outside strings;
/// stops counting once past `limit`.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

/// The string field `name` of `doc`, or nullptr when absent or not a string.
const std::string* string_field(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string())
    return nullptr;
  return it->get_ptr<const std::string*>();
}

/// Decimal 0–max_season without sign, leading zeros or other characters.
bool parse_season(const std::string& text, int& season) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0'))
    return false;
  season = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    season = season * 10 + (c - '0');
  }
  return season <= max_season;
}

/// Reads episodeDict into `out`; returns "" or the reason it is refused.
std::string read_episodes(const json& dict, season_episodes& out) {
  if (!dict.is_object())
    return "episodeDict is not an object";
  for (const auto& [season_text, list] : dict.items()) {
    int season = 0;
    if (!parse_season(season_text, season))
      return "season \"" + season_text.substr(0, 20) + "\" is not a number 0-" +
             std::to_string(max_season);
    if (!list.is_array())
      return "episodes of season " + season_text + " are not an array";
    auto& episodes = out[season];
    for (const auto& n : list) {
      if (!n.is_number_integer())
        return "an episode of season " + season_text + " is not an integer";
      auto value = n.get<std::int64_t>();
      if (value < 0 || value > max_episode)
        return "episode " + std::to_string(value) + " of season " +
               season_text + " is out of range 0-" +
               std::to_string(max_episode);
      episodes.push_back(int(value));
    }
    std::sort(episodes.begin(), episodes.end());
    episodes.erase(std::unique(episodes.begin(), episodes.end()),
                   episodes.end());
  }
  return {};
}

/// Checks the string fields into `r`; returns "" or the reason.
std::string read_fields(const json& doc, std::string_view found_in,
                        legacy_record& r) {
  const char* names[] = {"key", "name", "site", "folder"};
  std::string* into[] = {&r.key, &r.name, &r.site, &r.folder};
  for (std::size_t i = 0; i < 4; ++i) {
    auto* value = string_field(doc, names[i]);
    if (!value)
      return std::string("missing or non-string field: ") + names[i];
    *into[i] = *value;
  }
  if (!is_slug(r.key))
    return "key is not a slug of at most 100 lower-case letters, digits "
           "and single dashes";
  if (r.name.empty() || r.name.size() > max_name_bytes)
    return "name is empty or longer than 500 bytes";
  if (r.site.size() > max_site_bytes)
    return "site is longer than 100 bytes";
  if (!is_folder_name(r.folder))
    return "folder is not one path component";
  if (r.folder != found_in)
    return "folder does not name the folder the data file is in";
  return {};
}

} // namespace

bool is_slug(std::string_view key) {
  if (key.empty() || key.size() > max_key_bytes)
    return false;
  bool after_dash = true; // no leading dash
  for (char c : key) {
    if (c == '-') {
      if (after_dash)
        return false;
      after_dash = true;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      after_dash = false;
    } else {
      return false;
    }
  }
  return !after_dash; // no trailing dash
}

bool is_folder_name(std::string_view folder) {
  if (folder.empty() || folder.size() > max_folder_bytes || folder == "." ||
      folder == "..")
    return false;
  return std::none_of(folder.begin(), folder.end(),
                      [](char c) { return c == '/' || (c >= 0 && c < 0x20); });
}

result<legacy_record> parse_legacy_data(std::string_view text,
                                        std::string_view found_in) {
  if (text.size() > max_data_bytes)
    return invalid("data file larger than 1 MiB");
  if (text.find('\0') != std::string_view::npos)
    return invalid("data file contains NUL bytes");
  if (nesting_depth(text, max_json_depth) > max_json_depth)
    return invalid("JSON nested deeper than 8 levels");
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded())
    return invalid("broken JSON or invalid UTF-8");
  if (!doc.is_object())
    return invalid("top level is not a JSON object");
  legacy_record r;
  if (auto why = read_fields(doc, found_in, r); !why.empty())
    return invalid(std::move(why));
  auto dict = doc.find("episodeDict");
  if (dict == doc.end())
    return invalid("missing field: episodeDict");
  if (auto why = read_episodes(*dict, r.episodes); !why.empty())
    return invalid(std::move(why));
  return r;
}

} // namespace kumo::scanner::legacy
