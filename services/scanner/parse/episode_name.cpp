#include "parse/episode_name.hpp"

#include "parse/name_markers.hpp"

#include <algorithm>

namespace kumo::scanner {

namespace {

using namespace detail;

constexpr const char* known_extensions[] = {
    "3gp",  "ass", "avi",     "divx", "flv", "idx",  "iso",
    "m2ts", "m4v", "mkv",     "mov",  "mp4", "mpeg", "mpg",
    "nfo",  "ogm", "ogv",     "rar",  "rm",  "rmvb", "srt",
    "ssa",  "sub", "torrent", "ts",   "vob", "webm", "wmv"};

/// Splits "name.mkv" into "name" and "mkv" when the extension is known.
std::string_view strip_extension(std::string_view name, std::string& ext) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name.size() - dot > 8)
    return name;
  char buf[32];
  auto e = lower(name.substr(dot + 1), buf);
  for (const char* known : known_extensions) {
    if (e == known) {
      ext = std::string{e};
      return name.substr(0, dot);
    }
  }
  return name;
}

/// Splits a path on '/'; a '/' inside balanced brackets ("[720p/MKV]") is
/// part of the name.
std::vector<std::string_view> split_path(std::string_view path) {
  if (path.find('/') == std::string_view::npos)
    return {path};
  std::vector<size_t> cuts;
  int depth = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    depth += (c == '[' || c == '(') ? 1 : (c == ']' || c == ')') ? -1 : 0;
    depth = std::max(depth, 0);
    if (c == '/' && depth == 0)
      cuts.push_back(i);
  }
  if (depth > 0) { // unbalanced: every '/' separates
    cuts.clear();
    for (size_t i = 0; i < path.size(); ++i)
      if (path[i] == '/')
        cuts.push_back(i);
  }
  cuts.push_back(path.size());
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (auto cut : cuts) {
    if (cut > start)
      parts.push_back(path.substr(start, cut - start));
    start = cut + 1;
  }
  return parts;
}

/// Separators to spaces, runs of spaces collapsed, edges trimmed.
std::string clean_title(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    char d = (c == '.' || c == '_') ? ' ' : c;
    if (d == ' ' && (out.empty() || out.back() == ' '))
      continue;
    out += d;
  }
  auto edge = [](char c) {
    return c == ' ' || c == '-' || c == '[' || c == ']' || c == '(' ||
           c == ')' || c == '{' || c == '}' || c == ',' || c == '~' ||
           c == '+' || c == '&' || c == '#';
  };
  while (!out.empty() && edge(out.back()))
    out.pop_back();
  size_t first = 0;
  while (first < out.size() && edge(out[first]))
    ++first;
  return out.substr(first);
}

std::string_view token_text(const name_view& v, size_t from, size_t to) {
  if (from >= to || from >= v.toks.size())
    return {};
  to = std::min(to, v.toks.size());
  return v.text.substr(v.toks[from].begin,
                       v.toks[to - 1].end - v.toks[from].begin);
}

/// Title and year from the tokens before the episode marker.
void take_title(const name_view& v, const numbering& num, episode_name& out) {
  size_t start = v.title_start;
  size_t end = num.found ? num.first : v.toks.size();
  if (num.number_first) {
    start = num.after;
    end = v.toks.size();
  }
  for (size_t i = start; i < end; ++i) {
    bool noise = v.has(i, flag::tech | flag::crc | flag::date);
    bool bracket_after_title =
        v.toks[i].type == kind::open && v.toks[i].depth == 0 && i > start + 1;
    bool spaced_dash_after_number =
        num.number_first && v.toks[i].type == kind::sep &&
        v.toks[i].ch == '-' && i > start + 1 && v.toks[i - 1].type == kind::sep;
    if (noise || spaced_dash_after_number ||
        (bracket_after_title && !v.has(i + 1, flag::year))) {
      end = i;
      break;
    }
  }
  // A trailing year ("Show 2019", "Show (2019)") is the year, not the title.
  size_t last = end;
  while (last > start && v.toks[last - 1].type != kind::word)
    --last;
  if (last > start && v.has(last - 1, flag::year)) {
    auto title = clean_title(token_text(v, start, last - 1));
    if (!title.empty()) {
      out.year = v.toks[last - 1].value;
      out.title = title;
      return;
    }
  }
  out.title = clean_title(token_text(v, start, end));
}

void take_group(const name_view& v, episode_name& out) {
  if (v.group_end > 0) {
    size_t open = 0;
    while (open < v.group_end && v.toks[open].type != kind::open)
      ++open;
    out.group = clean_title(token_text(v, open + 1, v.group_end - 1));
    if (!out.group.empty())
      return;
  }
  // "...x264-GROUP" (a word after a dash, at the end, after some noise).
  size_t i = v.toks.size();
  while (i > 0 && (v.toks[i - 1].type != kind::word || v.toks[i - 1].depth > 0))
    --i;
  if (i < 3 || v.has(i - 1, flag::tech | flag::digits | flag::crc))
    return;
  size_t k = i - 1;
  while (k > 0 && v.toks[k - 1].type == kind::sep && v.toks[k - 1].ch != '-' &&
         i - k < 3)
    --k;
  if (k == 0 || v.toks[k - 1].type != kind::sep || v.toks[k - 1].ch != '-')
    return;
  bool noise_before = false;
  for (size_t j = 0; j + 1 < k && !noise_before; ++j)
    noise_before = v.has(j, flag::tech);
  if (noise_before)
    out.group = std::string{v.word(i - 1)};
}

void take_quality(const name_view& v, episode_name& out) {
  for (size_t i = 0; i < v.toks.size(); ++i) {
    if (!v.is_word(i) || !v.has(i, flag::tech))
      continue;
    auto w = v.word(i);
    if (out.resolution.empty())
      out.resolution = resolution_of(w);
    if (out.source.empty()) {
      char buf[32];
      auto l = lower(w, buf);
      char nbuf[32];
      bool dash_dl = i + 2 < v.toks.size() && v.toks[i + 1].ch == '-' &&
                     v.is_word(i + 2) && lower(v.word(i + 2), nbuf) == "dl";
      out.source = l == "web" && dash_dl ? "WEB-DL" : source_of(w);
    }
  }
}

/// Combines the numbers of the file name with the season of its folders.
void take_numbers(const numbering& num, int folder, episode_name& out) {
  int season = num.season;
  auto numbers = num.episodes;
  if (season < 0 && num.compact_ok && numbers.size() == 1 &&
      num.bare_width >= 5) {
    // "10708": S01E07-E08, "010910": S01E09-E10.
    int s = numbers[0] / 10000, e = numbers[0] / 100 % 100;
    if (s >= 1 && e >= 1 && numbers[0] % 100 == e + 1 &&
        (folder < 0 || folder == s)) {
      season = s;
      numbers = {e, e + 1};
    }
  }
  if (season < 0 && num.compact_ok && numbers.size() <= 2) {
    std::vector<int> eps;
    int s = -1;
    for (int n : numbers) {
      int cs = 0, ce = 0;
      if (!split_compact(n, num.bare_width, cs, ce) || (s >= 0 && cs != s) ||
          (!eps.empty() && ce != eps.back() + 1))
        break;
      s = cs;
      eps.push_back(ce);
    }
    if (eps.size() == numbers.size() && (folder < 0 || folder == s)) {
      season = s;
      numbers = eps;
    }
  }
  if (season < 0 && folder >= 0)
    season = folder;
  if (season >= 0) {
    out.season = season;
    out.episodes = numbers;
    out.absolute = num.absolute;
  } else {
    out.absolute = numbers;
  }
  out.special = season == 0;
}

/// A file inside a release folder may carry no usable numbers of its own
/// ("Show.S02E05.720p-GRP/160725_02.mkv", an obfuscated or reversed name):
/// the folder's full marker then wins over the file's bare numbers, and the
/// folder's "Episode 3" over a file without any. Returns true when it did.
bool adopt_folder_numbers(std::string_view folder, numbering& num) {
  if (num.strength != marker_strength::none)
    return false;
  auto fv = classify(folder);
  auto outer = find_numbering(fv);
  bool full =
      outer.strength == marker_strength::full && !outer.episodes.empty();
  bool labeled = outer.strength == marker_strength::labeled &&
                 num.episodes.empty() && num.season < 0;
  if (!full && !labeled)
    return false;
  num = outer;
  return true;
}

/// A file named only by its numbers ("Season 1/05.mkv") takes the title of
/// the nearest folder that is not a season folder.
void title_from_folders(const std::vector<std::string_view>& folders,
                        episode_name& out) {
  for (size_t k = 0; k < folders.size() && out.title.empty(); ++k) {
    if (folder_season(folders[k]) >= 0 && k + 1 < folders.size())
      continue;
    auto dv = classify(folders[k]);
    episode_name named;
    take_title(dv, find_numbering(dv), named);
    out.title = named.title;
    if (!out.year)
      out.year = named.year;
  }
}

} // namespace

episode_name parse_episode_name(std::string_view name) {
  episode_name out;
  auto text = normalize(name);
  auto parts = split_path(text);
  if (parts.empty())
    return out;
  auto file = strip_extension(parts.back(), out.extension);
  auto v = classify(file);
  auto num = find_numbering(v);
  bool adopted =
      parts.size() >= 2 && adopt_folder_numbers(parts[parts.size() - 2], num);
  // The nearest folders, innermost first.
  std::vector<std::string_view> folders;
  for (size_t k = parts.size() - 1; k-- > 0 && folders.size() < 4;)
    folders.push_back(parts[k]);
  int folder = -1;
  for (size_t k = 0; k < folders.size() && folder < 0; ++k)
    folder = folder_season(folders[k]);
  take_numbers(num, folder, out);
  if (!adopted) // an obfuscated file name has no title either
    take_title(v, num, out);
  take_group(v, out);
  take_quality(v, out);
  out.date = v.date;
  title_from_folders(folders, out);
  return out;
}

} // namespace kumo::scanner
