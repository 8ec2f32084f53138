#include "parse/episode_name.hpp"
#include "parse/name_words.hpp"

#include <algorithm>

namespace kumo::scanner::detail {

namespace {

/// Reads 1..max digits at w[i]; -1 when there are none or more than max.
int read_number(std::string_view w, size_t& i, size_t max) {
  size_t start = i;
  while (i < w.size() && is_digit(w[i]))
    ++i;
  if (i == start || i - start > max)
    return -1;
  return number_of(w.substr(start, i - start));
}

/// Skips an optional version suffix "v2".
void skip_version(std::string_view w, size_t& i) {
  if (i + 1 < w.size() && w[i] == 'v' && is_digit(w[i + 1])) {
    ++i;
    while (i < w.size() && is_digit(w[i]))
      ++i;
  }
}

} // namespace

/// "s01", "s01e02", "s01e02e03", "s1e2", "s01ep01", "s06xe01".
bool parse_sxe(std::string_view w, int& season, std::vector<int>& eps) {
  if (w.size() < 2 || w[0] != 's')
    return false;
  size_t i = 1;
  season = read_number(w, i, 4);
  if (season < 0)
    return false;
  eps.clear();
  while (i < w.size()) {
    if (w[i] == 'x' && i + 1 < w.size() && w[i + 1] == 'e')
      ++i;
    if (w[i] != 'e')
      return false;
    ++i;
    if (i < w.size() && w[i] == 'p')
      ++i;
    int e = read_number(w, i, 5);
    if (e < 0)
      return false;
    eps.push_back(e);
    skip_version(w, i);
  }
  return true;
}

/// "1x02", "2x04x05", "2009x09", "1xall" (a whole season: eps empty).
bool parse_nxm(std::string_view w, int& season, std::vector<int>& eps) {
  size_t i = 0;
  season = read_number(w, i, 4);
  if (season < 0 || i >= w.size() || w[i] != 'x' || !resolution_of(w).empty())
    return false;
  eps.clear();
  if (w.substr(i) == "xall")
    return true;
  while (i < w.size() && w[i] == 'x') {
    ++i;
    int e = read_number(w, i, 4);
    if (e < 0)
      return false;
    eps.push_back(e);
  }
  return i == w.size();
}

namespace {

/// Every season marker has a digit, starts with a label letter ("season",
/// "temporada", "cap", "s 01") or is non-Latin ("第2季", "Сезон").
bool may_mark(const name_view& v, size_t i, std::string_view w) {
  return v.has(i, flag::numeric) || w[0] == 's' || w[0] == 't' || w[0] == 'c' ||
         static_cast<unsigned char>(w[0]) >= 0x80;
}

} // namespace

/// Index of the next word after at most `max_seps` separators, or npos.
size_t next_word(const name_view& v, size_t i, int max_seps) {
  size_t j = i + 1;
  for (int k = 0; j < v.toks.size() && v.toks[j].type == kind::sep; ++j)
    if (++k > max_seps)
      return npos;
  return v.is_word(j) ? j : npos;
}

/// The separators between token i and the next non-separator.
std::string seps_after(const name_view& v, size_t i, size_t& next) {
  std::string s;
  next = i + 1;
  while (next < v.toks.size() && v.toks[next].type == kind::sep &&
         s.size() < 4) {
    s += v.toks[next].ch;
    ++next;
  }
  return s;
}

bool usable_number(const name_view& v, size_t i) {
  return v.is_num(i) && !v.has(i, flag::year | flag::date | flag::crc |
                                      flag::skip | flag::tech | flag::used);
}

/// "E01", "e01e02", "Ep06", "Ep05v2", or a label ("Episode", "Ep", "E")
/// followed by a number. Sets `last` to the last token used.
bool episode_at(const name_view& v, size_t i, std::vector<int>& eps,
                size_t& last) {
  auto w = v.lword(i);
  eps.clear();
  last = i;
  if (auto e = cjk_episode(w); e >= 0) {
    eps.push_back(e);
    return true;
  }
  if (w.size() >= 2 && w[0] == 'e' &&
      (is_digit(w[1]) || (w[1] == 'p' && w.size() >= 3 && is_digit(w[2])))) {
    size_t k = w[1] == 'p' ? 2 : 1;
    while (k < w.size() && w[k] == 'e' && k > 1)
      ++k;
    for (;;) {
      int e = read_number(w, k, 5);
      if (e < 0)
        return false;
      eps.push_back(e);
      skip_version(w, k);
      if (k == w.size())
        return true;
      if (w[k] != 'e')
        return false;
      ++k;
    }
  }
  if (!is_episode_label(w))
    return false;
  // After a label a year-like number is an episode: "Episode 1965".
  auto j = next_word(v, i, 2);
  if (j == npos || !v.is_num(j) || v.toks[j].width > 4 ||
      v.has(j, flag::date | flag::crc | flag::tech | flag::used | flag::skip))
    return false;
  eps.push_back(v.toks[j].value);
  last = j;
  return true;
}

/// "S02", "Season 2", "Season2", "Saison VII", "2nd Season", "S 01".
bool season_at(const name_view& v, size_t i, int& season, size_t& last) {
  auto w = v.lword(i);
  last = i;
  if (!may_mark(v, i, w))
    return false;
  std::vector<int> eps;
  if (parse_sxe(w, season, eps))
    return eps.empty();
  if ((season = cjk_season(w)) >= 0)
    return true;
  for (const char* label : {"season", "saison", "temporada", "staffel"}) {
    std::string_view l{label};
    if (w.size() > l.size() && w.substr(0, l.size()) == l) {
      season = number_of(w.substr(l.size()));
      if (season >= 0)
        return true;
    }
  }
  auto j = next_word(v, i, 2);
  if (j == npos)
    return false;
  auto next = v.lword(j);
  if (is_season_label(w) || w == "s") {
    auto of = next.find("of");
    season = v.is_num(j) && v.toks[j].width <= 4 && !v.has(j, flag::date)
                 ? v.toks[j].value
             : w == "s" ? -1
             : of != std::string_view::npos && of > 0
                 ? number_of(next.substr(0, of))
                 : roman(next);
    last = j;
    return season >= 0;
  }
  bool ordinal =
      w.size() >= 3 && is_digit(w[0]) &&
      (w.substr(w.size() - 2) == "st" || w.substr(w.size() - 2) == "nd" ||
       w.substr(w.size() - 2) == "rd" || w.substr(w.size() - 2) == "th");
  if (ordinal && is_season_label(next)) {
    season = number_of(w.substr(0, w.size() - 2));
    last = j;
    return season >= 0;
  }
  return false;
}

void add_range(std::vector<int>& eps, int hi) {
  int lo = eps.back();
  if (hi <= lo || hi - lo >= max_range_length ||
      eps.size() + static_cast<size_t>(hi - lo) > size_t{2} * max_range_length)
    return;
  for (int e = lo + 1; e <= hi; ++e)
    eps.push_back(e);
}

bool strong_at(const name_view& v, size_t i, marker& m) {
  auto w = v.lword(i);
  m.first = m.last = i;
  if (!may_mark(v, i, w))
    return false;
  if (parse_sxe(w, m.season, m.eps) && !m.eps.empty())
    return true;
  for (size_t k = 1; k + 3 < w.size() && is_alpha(w[k - 1]); ++k)
    if (w[k] == 's' && is_digit(w[k + 1]))
      return parse_sxe(w.substr(k), m.season, m.eps) && !m.eps.empty();
  if (parse_nxm(w, m.season, m.eps))
    return true;
  if (w == "cap") {
    auto j = next_word(v, i, 1);
    int s = 0, e = 0;
    if (j != npos && v.is_num(j) &&
        split_compact(v.toks[j].value, v.toks[j].width, s, e)) {
      m.season = s;
      m.eps = {e};
      m.last = j;
      // "Cap.102_104": episodes 2 to 4.
      int s2 = 0, e2 = 0;
      if (j + 2 < v.toks.size() && v.toks[j + 1].type == kind::sep &&
          v.toks[j + 1].ch == '_' && v.is_num(j + 2) &&
          split_compact(v.toks[j + 2].value, v.toks[j + 2].width, s2, e2) &&
          s2 == s) {
        add_range(m.eps, e2);
        m.last = j + 2;
      }
      return true;
    }
  }
  size_t season_last = 0;
  if (!season_at(v, i, m.season, season_last))
    return false;
  auto j = next_word(v, season_last, 3);
  return j != npos && episode_at(v, j, m.eps, m.last);
}

/// Follows "-E03", "E02", "-03", "+02", " - S01E03", "-1x03", "_02".
void extend(const name_view& v, marker& m, bool nxm) {
  for (int rounds = 0; rounds < 64 && !m.eps.empty(); ++rounds) {
    size_t j = 0;
    auto seps = seps_after(v, m.last, j);
    if (v.is_word(j) && v.lword(j) == "and")
      seps += seps_after(v, j, j);
    if (!v.is_word(j) || seps.empty())
      return;
    bool hyphen = seps == "-";
    bool spaced_dash = !hyphen && seps.find('-') != std::string::npos;
    int s = -1;
    std::vector<int> more;
    size_t last = j;
    auto w = v.lword(j);
    if (((parse_sxe(w, s, more) || parse_nxm(w, s, more)) && s == m.season &&
         !more.empty()) ||
        (episode_at(v, j, more, last) && !(spaced_dash && last != j))) {
      // another marker of the same season, or "E03", "e02"
    } else if (usable_number(v, j) && v.toks[j].width <= 4 &&
               (hyphen || seps == "+" || (nxm && seps == "_")) &&
               v.toks[j].value > m.eps.back()) {
      more = {v.toks[j].value};
      last = j;
    } else {
      return;
    }
    if (hyphen && more.size() == 1)
      add_range(m.eps, more[0]);
    else
      m.eps.insert(m.eps.end(), more.begin(), more.end());
    m.last = last;
  }
}

/// A range after the number at `i` ("01-12", "01~10", "01 - 119"); returns
/// the last token used.
size_t number_range(const name_view& v, size_t i, std::vector<int>& eps) {
  size_t last = i;
  for (int rounds = 0; rounds < 8; ++rounds) {
    size_t j = 0;
    auto seps = seps_after(v, last, j);
    if (!usable_number(v, j) || v.toks[j].width > 4)
      break;
    bool tilde = seps.find('~') != std::string::npos;
    bool spaced = seps.find('-') != std::string::npos && seps.size() > 1;
    bool padded = v.toks[i].width >= 2 && v.word(i)[0] == '0';
    if (!(seps == "-" || tilde || (spaced && padded)))
      break;
    size_t before = eps.size();
    add_range(eps, v.toks[j].value);
    if (eps.size() == before)
      break;
    last = j;
  }
  return last;
}

/// Absolute numbers written next to a season marker:
/// "[Grp] Show S01E01 001", "[Grp] Show 214 10x14", "S01E01-02 (001-002)".
std::vector<int> absolute_near(const name_view& v, const marker& m) {
  std::vector<int> abs;
  size_t j = m.last + 1;
  int seps = 0;
  bool paren = false;
  for (; j < v.toks.size() && seps < 4; ++j, ++seps) {
    if (v.toks[j].type == kind::open && v.toks[j].ch == '(')
      paren = true;
    else if (v.toks[j].type != kind::sep)
      break;
  }
  if (usable_number(v, j) && v.toks[j].width >= 3 && v.toks[j].width <= 4) {
    abs.push_back(v.toks[j].value);
    number_range(v, j, abs);
    if (v.anime || paren || abs.size() > 1)
      return abs;
    abs.clear();
  }
  if (v.anime && m.first >= 2 && v.toks[m.first - 1].type == kind::sep &&
      usable_number(v, m.first - 2) && v.toks[m.first - 2].width >= 3 &&
      v.toks[m.first - 2].width <= 4 && m.first - 2 >= v.title_start + 1)
    abs.push_back(v.toks[m.first - 2].value);
  return abs;
}

} // namespace kumo::scanner::detail
