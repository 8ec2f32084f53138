#include "parse/name_markers.hpp"

#include <algorithm>

namespace kumo::scanner::detail {

namespace {

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_crc(std::string_view w, bool in_bracket) {
  if (w.size() != 8 || !std::all_of(w.begin(), w.end(), is_hex))
    return false;
  bool letters = std::any_of(w.begin(), w.end(), is_alpha);
  bool digits = std::any_of(w.begin(), w.end(), is_digit);
  return in_bracket || (letters && digits);
}

bool is_one_of(std::string_view l,
               std::initializer_list<std::string_view> list) {
  return std::any_of(list.begin(), list.end(),
                     [&](std::string_view s) { return l == s; });
}

bool is_size(std::string_view w) {
  char buf[32];
  auto l = lower(w, buf);
  size_t digits = 0;
  while (digits < l.size() && is_digit(l[digits]))
    ++digits;
  auto unit = l.substr(digits);
  return digits > 0 && (unit == "mb" || unit == "gb" || unit == "tb");
}

/// Index of the previous/next token skipping nothing; npos-safe.
bool glued(const name_view& v, size_t sep, char ch) {
  return sep < v.toks.size() && v.toks[sep].type == kind::sep &&
         v.toks[sep].ch == ch;
}

void mark_tech(name_view& v) {
  auto& t = v.toks;
  size_t first_word = t.size(), last_word = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].type == kind::word && t[i].depth == 0 && first_word == t.size())
      first_word = i;
    if (t[i].type == kind::word)
      last_word = i;
  }
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].type != kind::word)
      continue;
    auto w = v.word(i);
    if (is_tech_lower(v.lword(i)))
      t[i].flags |= flag::tech;
    if ((t[i].flags & flag::digits) && t[i].width == 4 && t[i].value >= 1900 &&
        t[i].value <= 2099 && w.size() == 4)
      t[i].flags |= flag::year;
    if (is_crc(w, t[i].depth > 0))
      t[i].flags |= flag::crc;
  }
  for (size_t i = 0; i < t.size(); ++i) {
    if (!v.is_num(i))
      continue;
    bool left_tech = i >= 2 && (glued(v, i - 1, '.') || glued(v, i - 1, '-')) &&
                     v.has(i - 2, flag::tech);
    bool h26x = i >= 2 && glued(v, i - 1, '.') && v.is_word(i - 2) &&
                is_one_of(v.lword(i - 2), {"h", "x", "dd", "ddp", "aac"});
    // "300-nen, Title": a number glued to the word after it is title text,
    // unless it starts the name ("03-Show") or that word ends it ("-grp").
    bool right_word = i + 2 < t.size() && glued(v, i + 1, '-') &&
                      v.is_word(i + 2) && !v.is_num(i + 2) && first_word < i &&
                      last_word > i + 2;
    bool after_label =
        i >= 2 && t[i - 1].type == kind::sep && v.is_word(i - 2) &&
        is_one_of(v.lword(i - 2),
                  {"movie", "film", "vol", "volume", "no", "part", "pt", "cd",
                   "disc", "disk", "chapter", "ch", "op", "ed"});
    bool channels = t[i].width == 1 && i + 2 < t.size() &&
                    glued(v, i + 1, '.') && v.is_num(i + 2) &&
                    t[i + 2].width == 1 && t[i + 2].value <= 1 &&
                    (t[i].value == 2 || t[i].value >= 5);
    if (left_tech || h26x || after_label)
      t[i].flags |= flag::skip;
    // "1.1TB", "4.8GB": sizes.
    bool size = i + 2 < t.size() && glued(v, i + 1, '.') && v.is_word(i + 2) &&
                is_size(v.word(i + 2));
    // "2016.05.18.720.HDTV": a bare height before release noise.
    bool height =
        (t[i].value == 480 || t[i].value == 576 || t[i].value == 720 ||
         t[i].value == 1080 || t[i].value == 2160) &&
        t[i].width >= 3 && i + 2 < t.size() && t[i + 1].type == kind::sep &&
        v.is_word(i + 2) && is_tech_lower(v.lword(i + 2));
    if (right_word || channels || size)
      t[i].flags |= flag::skip;
    if (height)
      t[i].flags |= flag::tech;
    if (channels)
      t[i + 2].flags |= flag::skip;
    if (right_word && is_one_of(v.lword(i + 2), {"bit", "bits"}))
      t[i].flags |= flag::tech;
  }
}

bool valid_date(int y, int m, int d) {
  return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/// Marks Y-M-D, D-M-Y, M-D-Y (any one of . - _ space) and YYYYMMDD dates;
/// returns the first as "YYYY-MM-DD".
std::string mark_dates(name_view& v) {
  std::string first;
  auto& t = v.toks;
  auto note = [&](int y, int m, int d) {
    if (!first.empty())
      return;
    char buf[16];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
    first = buf;
  };
  for (size_t i = 0; i < t.size(); ++i) {
    if (!v.is_num(i))
      continue;
    if (t[i].width == 8) {
      int y = t[i].value / 10000, m = t[i].value / 100 % 100,
          d = t[i].value % 100;
      if (valid_date(y, m, d) && !(t[i].flags & flag::crc)) {
        t[i].flags |= flag::date;
        note(y, m, d);
      }
      continue;
    }
    if (i + 4 >= t.size() || t[i + 1].type != kind::sep ||
        t[i + 3].type != kind::sep || t[i + 1].ch != t[i + 3].ch ||
        !v.is_num(i + 2) || !v.is_num(i + 4))
      continue;
    int a = t[i].value, b = t[i + 2].value, c = t[i + 4].value;
    int y = -1, m = -1, d = -1;
    if (t[i].width == 4 && t[i + 2].width <= 2 && t[i + 4].width <= 2) {
      y = a, m = b, d = c;
    } else if (t[i].width <= 2 && t[i + 2].width <= 2 && t[i + 4].width == 4) {
      y = c;
      m = a > 12 ? b : a;
      d = a > 12 ? a : b;
      if (a <= 12 && b <= 12)
        m = b, d = a;
    }
    if (!valid_date(y, m, d))
      continue;
    for (size_t k = i; k <= i + 4; ++k)
      t[k].flags |= flag::date;
    note(y, m, d);
    i += 4;
  }
  return first;
}

/// Index of the token closing the bracket opened at `open`, or size().
size_t closing(const name_view& v, size_t open) {
  for (size_t i = open + 1; i < v.toks.size(); ++i)
    if (v.toks[i].type == kind::close && v.toks[i].depth == v.toks[open].depth)
      return i;
  return v.toks.size();
}

enum class bracket_kind { tech, website, other };

bracket_kind kind_of(const name_view& v, size_t open, size_t close) {
  bool any_word = false, all_tech = true;
  for (size_t i = open + 1; i < close; ++i) {
    if (v.toks[i].type != kind::word)
      continue;
    any_word = true;
    if (is_one_of(v.lword(i), {"www", "com", "org", "net", "ru", "info"}))
      return bracket_kind::website;
    if (!(v.toks[i].flags & (flag::tech | flag::crc)))
      all_tech = false;
  }
  return any_word && all_tech ? bracket_kind::tech : bracket_kind::other;
}

size_t skip_seps(const name_view& v, size_t i) {
  while (i < v.toks.size() && v.toks[i].type == kind::sep)
    ++i;
  return i;
}

/// Skips the brackets a name starts with: the release group, tags and
/// websites; a non-tag bracket followed by more brackets is title text.
void skip_leading_brackets(name_view& v) {
  size_t i = skip_seps(v, 0);
  bool have_group = false;
  while (i < v.toks.size() && v.toks[i].type == kind::open) {
    auto close = closing(v, i);
    if (close >= v.toks.size())
      break;
    auto k = kind_of(v, i, close);
    auto next = skip_seps(v, close + 1);
    bool next_is_bracket =
        next < v.toks.size() && v.toks[next].type == kind::open;
    if (k == bracket_kind::other) {
      if (have_group && next_is_bracket)
        break;
      if (!have_group) {
        v.group_end = close + 1;
        v.anime = true;
      }
      have_group = true;
    }
    i = next;
  }
  v.title_start = i;
}

} // namespace

name_view classify(std::string_view text) {
  name_view v;
  v.text = text;
  v.folded.assign(text.begin(), text.end());
  for (auto& c : v.folded)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  v.toks = tokenize(text);
  mark_tech(v);
  v.date = mark_dates(v);
  skip_leading_brackets(v);
  size_t dots = 0, spaces = 0;
  for (const auto& t : v.toks) {
    if (t.type == kind::sep && t.depth == 0 && t.ch == ' ')
      ++spaces;
    if (t.type == kind::sep && t.depth == 0 && (t.ch == '.' || t.ch == '_'))
      ++dots;
    if (t.flags & flag::crc)
      v.anime = true;
  }
  v.scene = dots > spaces;
  return v;
}

} // namespace kumo::scanner::detail
