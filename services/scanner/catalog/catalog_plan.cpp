#include "catalog/catalog_plan.hpp"

#include <cstdio>
#include <unordered_map>

namespace kumo::scanner {

namespace {

constexpr std::size_t max_key_bytes = 100;

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t h = 2166136261U;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619U;
  }
  return h;
}

planned_file plan_file(const std::string& folder, const walked_episode& e) {
  planned_file f;
  f.path = folder + "/" + e.path;
  f.size = e.size;
  f.mtime_ns = e.mtime_ns;
  f.resolution = e.resolution;
  f.quality = e.source;
  f.group = e.group;
  f.episodes = episode_refs(e);
  return f;
}

} // namespace

std::vector<episode_ref> episode_refs(const walked_episode& file) {
  std::vector<episode_ref> out;
  if (file.season && !file.episodes.empty()) {
    for (int ep : file.episodes)
      out.push_back({file.season, ep, std::nullopt});
    return out;
  }
  for (int abs : file.absolute)
    out.push_back({std::nullopt, std::nullopt, abs});
  return out;
}

series_plan plan_series(const walked_series* walked,
                        const std::vector<catalog_file>& existing) {
  series_plan plan;
  std::unordered_map<std::string_view, const catalog_file*> known;
  known.reserve(existing.size());
  for (const auto& f : existing)
    known.emplace(f.path, &f);
  std::unordered_map<std::string, bool> seen;
  if (walked != nullptr) {
    seen.reserve(walked->episodes.size());
    for (const auto& e : walked->episodes) {
      auto file = plan_file(walked->folder, e);
      auto it = known.find(file.path);
      seen.emplace(file.path, true);
      // The catalog keeps microseconds.
      if (it == known.end() || it->second->size != file.size ||
          it->second->mtime_ns / 1000 != file.mtime_ns / 1000) {
        (it == known.end() ? plan.added : plan.changed)++;
        plan.upserts.push_back(std::move(file));
      }
    }
    // Unparsed files are on disk too: never remove their rows.
    for (const auto& u : walked->unparsed)
      seen.emplace(walked->folder + "/" + u, true);
  }
  if (walked != nullptr && !walked->complete)
    return plan;
  for (const auto& f : existing)
    if (seen.count(f.path) == 0)
      plan.removals.push_back(f.path);
  return plan;
}

std::string series_slug(std::string_view name, std::optional<int> year) {
  std::string out;
  bool dash = false;
  for (char c : name) {
    if (is_ascii_alnum(c)) {
      if (dash && !out.empty())
        out += '-';
      dash = false;
      out += lower(c);
    } else {
      dash = true;
    }
  }
  if (out.empty()) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", fnv1a(name));
    out = std::string("series-") + hex;
  }
  std::string suffix = year ? "-" + std::to_string(*year) : "";
  if (out.size() + suffix.size() > max_key_bytes)
    out.resize(max_key_bytes - suffix.size());
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out + suffix;
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > max_key_bytes)
    return false;
  bool prev_dash = true;
  for (char c : key) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (c != '-' || prev_dash))
      return false;
    prev_dash = c == '-';
  }
  return !prev_dash;
}

bool valid_folder(std::string_view folder) {
  if (folder.empty() || folder.size() > 255 || folder == "." || folder == "..")
    return false;
  for (char c : folder) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || (u >= 1 && u <= 0x1f) || u == 0)
      return false;
  }
  return true;
}

std::string default_folder(std::string_view name, std::optional<int> year) {
  std::string out(name);
  if (year)
    out += " (" + std::to_string(*year) + ")";
  return out;
}

} // namespace kumo::scanner
