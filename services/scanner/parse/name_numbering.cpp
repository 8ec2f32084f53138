#include "parse/episode_name.hpp"
#include "parse/name_words.hpp"

#include <algorithm>

namespace kumo::scanner::detail {

namespace {

/// First release-noise word outside brackets after `start`.
size_t noise_start(const name_view& v, size_t start) {
  for (size_t i = start; i < v.toks.size(); ++i) {
    if (v.has(i, flag::tech | flag::crc) && v.toks[i].depth == 0)
      return i;
  }
  return v.toks.size();
}

bool is_one_of_tags(std::string_view w) {
  return w == "of" || w == "end" || w == "fin" || w == "final";
}

/// True when the bracket around `i` holds only numbers ("[05]", "(01-25)",
/// "[20_of_25]").
bool numeric_bracket(const name_view& v, size_t i) {
  size_t a = i, b = i;
  while (a > 0 && v.toks[a].type != kind::open)
    --a;
  while (b < v.toks.size() && v.toks[b].type != kind::close)
    ++b;
  for (size_t k = a + 1; k < b; ++k)
    if (v.toks[k].type == kind::word && !v.is_num(k) &&
        !is_one_of_tags(v.lword(k)))
      return false;
  return true;
}

bool after_spaced_dash(const name_view& v, size_t i) {
  std::string seps;
  for (size_t k = i; k-- > 0 && v.toks[k].type == kind::sep && seps.size() < 4;)
    seps += v.toks[k].ch;
  return seps.size() > 1 && seps.find('-') != std::string::npos;
}

struct candidate {
  size_t index;
  bool dash;
};

/// Picks the bare episode number of a name without markers.
bool bare_number(const name_view& v, size_t start, numbering& out) {
  auto end = noise_start(v, start);
  std::vector<candidate> found;
  std::vector<int> range;
  for (size_t i = start; i < end && found.size() < 64; ++i) {
    if (!usable_number(v, i) || v.toks[i].width > 6)
      continue;
    if (v.toks[i].depth > 0 && !numeric_bracket(v, i))
      continue;
    if (v.toks[i].width > 4 && !v.scene)
      continue;
    found.push_back({i, after_spaced_dash(v, i)});
    range.assign(1, v.toks[i].value);
    i = number_range(v, i, range); // the rest of a range is not a candidate
  }
  if (found.empty())
    return false;
  bool outside =
      std::any_of(found.begin(), found.end(), [&](const candidate& c) {
        return v.toks[c.index].depth == 0;
      });
  if (outside) // bracketed numbers are alternatives: "Show 10 (1)"
    found.erase(std::remove_if(found.begin(), found.end(),
                               [&](const candidate& c) {
                                 return v.toks[c.index].depth > 0;
                               }),
                found.end());
  auto pick = std::find_if(found.begin(), found.end(),
                           [](const candidate& c) { return c.dash; });
  if (pick == found.end()) {
    pick = found.end() - 1;
    for (auto it = found.begin(); it != found.end(); ++it)
      if (v.toks[it->index].width >= 2 && v.word(it->index)[0] == '0' &&
          v.toks[it->index].width <= 4)
        pick = it;
  }
  size_t i = pick->index;
  out.found = true;
  out.first = i;
  out.bare_width = v.toks[i].width;
  out.episodes = {v.toks[i].value};
  auto last = number_range(v, i, out.episodes);
  bool in_bracket = v.toks[i].depth > 0;
  out.compact_ok = !v.anime && !pick->dash && (v.scene || in_bracket) &&
                   out.episodes.size() == 1;
  size_t j = 0;
  if (pick->dash && v.toks[i].width == 3 && seps_after(v, i, j) == " " &&
      j + 2 < v.toks.size() && v.toks[j].type == kind::open &&
      v.is_num(j + 1) && v.toks[j + 1].value == v.toks[i].value % 100)
    out.compact_ok = true; // "Show - 101 (01) - Title"
  int ps = 0, pe = 0, s = 0, e = 0;
  if (out.compact_ok && pick != found.begin()) {
    auto prev = (pick - 1)->index;
    if (prev + 2 == i && v.toks[prev + 1].type == kind::sep &&
        v.toks[prev].width == v.toks[i].width &&
        split_compact(v.toks[prev].value, v.toks[prev].width, ps, pe) &&
        split_compact(v.toks[i].value, v.toks[i].width, s, e) && ps == s &&
        pe >= 1 && e == pe + 1) {
      out.episodes.insert(out.episodes.begin(), v.toks[prev].value);
      out.first = prev;
    }
  }
  out.number_first = out.first == v.title_start;
  out.after = last + 1;
  return true;
}

/// An episode given without a season: "E05", "Ep 5", "Episode 5", "#957",
/// "5of9", "14 of 21".
bool explicit_episode(const name_view& v, size_t start, marker& m) {
  for (size_t i = start; i < v.toks.size(); ++i) {
    if (!v.is_word(i) || v.has(i, flag::tech | flag::used))
      continue;
    if (i > 0 && v.toks[i - 1].type == kind::sep && v.toks[i - 1].ch == '#' &&
        usable_number(v, i)) {
      m.eps = {v.toks[i].value};
      m.first = m.last = i;
      return true;
    }
    auto w = v.lword(i);
    auto of = w.find("of");
    if (of != std::string_view::npos && of > 0 &&
        number_of(w.substr(0, of)) >= 0 && number_of(w.substr(of + 2)) >= 0) {
      m.eps = {number_of(w.substr(0, of))};
      m.first = m.last = i;
      return true;
    }
    auto j = next_word(v, i, 1);
    if (usable_number(v, i) && j != npos && v.lword(j) == "of" &&
        next_word(v, j, 1) != npos && v.is_num(next_word(v, j, 1))) {
      m.eps = {v.toks[i].value};
      m.first = m.last = i;
      return true;
    }
    if (episode_at(v, i, m.eps, m.last)) {
      m.first = i;
      size_t after = m.last;
      m.last = number_range(v, after, m.eps);
      marker tail = m;
      extend(v, tail, false);
      m = tail;
      return true;
    }
  }
  return false;
}

void dedupe(std::vector<int>& eps) {
  std::vector<int> out;
  for (int e : eps)
    if (std::find(out.begin(), out.end(), e) == out.end())
      out.push_back(e);
  eps.swap(out);
}

} // namespace

numbering find_numbering(name_view& v) {
  numbering out;
  int season = -1;
  size_t season_last = 0, season_first = 0;
  for (size_t i = v.group_end; i < v.toks.size(); ++i) {
    if (!v.is_word(i) || v.has(i, flag::tech | flag::date))
      continue;
    marker m;
    if (strong_at(v, i, m)) {
      int s = 0;
      std::vector<int> eps;
      extend(v, m, parse_nxm(v.lword(i), s, eps));
      out.season = m.season;
      out.episodes = m.eps;
      dedupe(out.episodes);
      out.absolute = absolute_near(v, m);
      out.first = m.first;
      // The title ends at "[Grp] Show 214 10x14" 214 and at "Temporada 2".
      if (!out.absolute.empty() && m.first >= 2 &&
          v.toks[m.first - 2].value == out.absolute.front())
        out.first = m.first - 2;
      if (season >= 0 && season_first < out.first)
        out.first = season_first;
      out.found = true;
      out.strength = marker_strength::full;
      return out;
    }
    size_t last = 0;
    int s = -1;
    if (season < 0 && season_at(v, i, s, last)) {
      season = s;
      season_first = i;
      season_last = last;
      i = last;
    }
  }
  marker m;
  size_t from = season >= 0 ? season_last + 1 : v.group_end;
  if (explicit_episode(v, from, m) ||
      (season < 0 && explicit_episode(v, v.group_end, m))) {
    out.season = season;
    out.episodes = m.eps;
    out.first = season >= 0 ? std::min(season_first, m.first) : m.first;
    out.found = true;
    out.strength =
        season >= 0 ? marker_strength::full : marker_strength::labeled;
    dedupe(out.episodes);
    return out;
  }
  if (season >= 0) {
    out.season = season;
    out.first = season_first;
    out.found = true;
    numbering bare;
    if (bare_number(v, season_last + 1, bare)) {
      out.episodes = bare.episodes;
      if (bare.bare_width >= 3 && bare.episodes.size() == 1 &&
          bare.episodes[0] >= 100) {
        out.season = -1; // "Show S21 999": an absolute number
      }
    }
    return out;
  }
  bare_number(v, v.title_start, out);
  return out;
}

int folder_season(std::string_view folder) {
  auto v = classify(folder);
  for (size_t i = 0; i < v.toks.size(); ++i) {
    if (!v.is_word(i))
      continue;
    auto w = v.lword(i);
    if (w == "specials" || w == "special" || w == "extras")
      return 0;
    marker m;
    if (strong_at(v, i, m))
      return m.season;
    int s = -1;
    size_t last = 0;
    if (season_at(v, i, s, last))
      return s;
  }
  return -1;
}

bool split_compact(int value, int width, int& season, int& episode) {
  if (width < 3 || width > 4 || value < 0)
    return false;
  season = value / 100;
  episode = value % 100;
  return season >= 1 && (episode >= 1 || width == 3);
}

} // namespace kumo::scanner::detail
