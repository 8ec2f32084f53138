#include "walk/walk_command.hpp"

#include "walk/library_walk.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

namespace kumo::scanner {

namespace {

using json = nlohmann::ordered_json;

json optional_int(const std::optional<int>& v) {
  return v ? json(*v) : json(nullptr);
}

json to_json(const walked_episode& e) {
  return json{
      {"path", e.path},
      {"season", optional_int(e.season)},
      {"episodes", e.episodes},
      {"absolute", e.absolute},
      {"special", e.special},
      {"air_date", e.air_date.empty() ? json(nullptr) : json(e.air_date)},
      {"size", e.size},
      {"mtime_ns", e.mtime_ns},
      {"resolution", e.resolution},
      {"group", e.group},
      {"source", e.source}};
}

json to_json(const walked_series& s) {
  json episodes = json::array();
  for (const auto& e : s.episodes)
    episodes.push_back(to_json(e));
  return json{{"folder", s.folder},           {"name", s.name},
              {"year", optional_int(s.year)}, {"complete", s.complete},
              {"episodes", episodes},         {"unparsed", s.unparsed}};
}

json to_json(const walk_stats& s) {
  return json{{"dirs", s.dirs},         {"dirs_reused", s.dirs_reused},
              {"files", s.files},       {"skipped", s.skipped},
              {"symlinks", s.symlinks}, {"denied", s.denied},
              {"vanished", s.vanished}, {"too_deep", s.too_deep},
              {"too_long", s.too_long}, {"errors", s.errors}};
}

std::string dump(const json& j) {
  // File names need not be UTF-8: invalid bytes become U+FFFD.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

int run_walk_command(const std::string& root, std::ostream& out,
                     std::ostream& err) {
  auto result = walk_library(root, walk_options{});
  if (!result.ok) {
    err << "kumo-scanner walk: cannot open " << root << ": "
        << std::strerror(result.root_errno) << '\n';
    return 1;
  }
  for (const auto& series : result.series)
    out << dump(to_json(*series)) << '\n';
  out.flush();
  err << dump(to_json(result.stats)) << '\n';
  return out ? 0 : 1;
}

} // namespace kumo::scanner
