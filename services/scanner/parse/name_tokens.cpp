#include "parse/name_tokens.hpp"

#include "parse/episode_name.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace kumo::scanner::detail {

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Decodes one UTF-8 sequence at `text[i]`; returns its length, or 0 when it
/// is invalid (overlong, surrogate, out of range or truncated).
size_t decode(std::string_view text, size_t i, uint32_t& cp) {
  auto b0 = static_cast<unsigned char>(text[i]);
  size_t len = b0 < 0x80         ? 1
               : (b0 >> 5) == 6  ? 2
               : (b0 >> 4) == 14 ? 3
               : (b0 >> 3) == 30 ? 4
                                 : 0;
  if (len == 0 || i + len > text.size())
    return 0;
  cp = len == 1   ? b0
       : len == 2 ? (b0 & 0x1F)
       : len == 3 ? (b0 & 0x0F)
                  : (b0 & 0x07);
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t min_of_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

uint32_t fold(uint32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E)
    return cp - 0xFEE0;
  switch (cp) {
  case 0x3000:
    return ' ';
  case 0x3010:
  case 0x300C:
  case 0x300E:
  case 0x3014:
  case 0x3016:
    return '[';
  case 0x3011:
  case 0x300D:
  case 0x300F:
  case 0x3015:
  case 0x3017:
    return ']';
  case '\\':
    return '/';
  default:
    return cp < 0x20 || cp == 0x7F ? ' ' : cp;
  }
}

bool is_bracket_open(char c) {
  return c == '(' || c == '[' || c == '{';
}

bool is_bracket_close(char c) {
  return c == ')' || c == ']' || c == '}';
}

bool is_word_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || is_digit(c) || is_alpha(c);
}

// Sorted: looked up with std::binary_search.
constexpr std::string_view tech_words[] = {
    "1080i",    "1080p",      "10bit",    "10bits",    "12bit",
    "2160p",    "2ch",        "360p",     "4320p",     "480i",
    "480p",     "4k",         "540p",     "576i",      "576p",
    "5ch",      "6ch",        "720p",     "8bit",      "8bits",
    "8k",       "aac",        "aac2",     "aac5",      "ac3",
    "ahdtv",    "amzn",       "atmos",    "atvp",      "av1",
    "avc",      "avi",        "batch",    "bd",        "bdremux",
    "bdrip",    "big5",       "bluray",   "brrip",     "castellano",
    "cc",       "chap",       "chinese",  "chs",       "cht",
    "complete", "dd",         "ddp",      "ddp2",      "ddp5",
    "dirfix",   "divx",       "dl",       "dovi",      "dsnp",
    "dsr",      "dsrip",      "dts",      "dtshd",     "dual",
    "dub",      "dubbed",     "dvb",      "dvd",       "dvd5",
    "dvd9",     "dvdr",       "dvdrip",   "dvdscr",    "eac3",
    "eng",      "english",    "esp",      "extended",  "extras",
    "fastsub",  "flac",       "fre",      "french",    "gb",
    "ger",      "german",     "h264",     "hardsub",   "hardsubs",
    "hd",       "hdlight",    "hdr",      "hdr10",     "hdr10plus",
    "hdrip",    "hdtv",       "hdtvrip",  "hevc",      "hi10",
    "hi10p",    "hmax",       "hq",       "int",       "internal",
    "ita",      "jap",        "japanese", "jpn",       "kor",
    "korean",   "latino",     "ld",       "ldtv",      "limited",
    "lpcm",     "lq",         "mkv",      "mp3",       "mp4",
    "mpeg2",    "multi",      "multisub", "multisubs", "nf",
    "nfofix",   "nl",         "ogg",      "ogm",       "opus",
    "pdtv",     "por",        "proper",   "raw",       "raws",
    "readnfo",  "real",       "remux",    "repack",    "rerip",
    "rus",      "sample",     "sd",       "sdr",       "sdtv",
    "softsub",  "spanish",    "sub",      "subbed",    "subpack",
    "subs",     "truefrench", "truehd",   "tvrip",     "uhd",
    "ukr",      "uncensored", "uncut",    "vc1",       "vf",
    "vff",      "vfq",        "vorbis",   "vostfr",    "web",
    "web-dl",   "webcap",     "webdl",    "webrip",    "ws",
    "x264",     "x265",       "xvid"};

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}

} // namespace

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string normalize(std::string_view text) {
  if (text.size() > max_name_bytes)
    text = text.substr(0, max_name_bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    auto len = decode(text, i, cp);
    if (len == 0) {
      append_utf8(out, 0xFFFD);
      ++i;
      continue;
    }
    append_utf8(out, fold(cp));
    i += len;
  }
  return out;
}

namespace {

/// Unmatched brackets become separators; then every token gets its depth.
void balance_brackets(std::vector<token>& toks) {
  std::vector<size_t> open;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].type == kind::open) {
      open.push_back(i);
    } else if (toks[i].type == kind::close) {
      if (open.empty())
        toks[i].type = kind::sep;
      else
        open.pop_back();
    }
  }
  for (auto i : open)
    toks[i].type = kind::sep;
  int depth = 0;
  for (auto& t : toks) {
    if (t.type == kind::close && depth > 0)
      --depth;
    t.depth = static_cast<uint8_t>(std::min(depth, 255));
    if (t.type == kind::open)
      ++depth;
  }
}

} // namespace

std::vector<token> tokenize(std::string_view text) {
  std::vector<token> out;
  out.reserve(text.size() / 3 + 4);
  for (size_t i = 0; i < text.size();) {
    token t;
    t.begin = static_cast<uint32_t>(i);
    char c = text[i];
    if (is_word_char(c)) {
      while (i < text.size() && is_word_char(text[i]))
        ++i;
    } else {
      ++i;
      t.ch = c;
      t.type = is_bracket_open(c)    ? kind::open
               : is_bracket_close(c) ? kind::close
                                     : kind::sep;
    }
    t.end = static_cast<uint32_t>(i);
    if (t.type == kind::word) {
      auto w = text.substr(t.begin, t.end - t.begin);
      auto digits = std::find_if_not(w.begin(), w.end(), is_digit) - w.begin();
      if (digits > 0 && digits <= 6) {
        bool version = static_cast<size_t>(digits) + 1 < w.size() &&
                       (w[digits] == 'v' || w[digits] == 'V') &&
                       std::all_of(w.begin() + digits + 1, w.end(), is_digit) &&
                       w.size() - digits <= 3;
        if (static_cast<size_t>(digits) == w.size() || version) {
          t.flags |= flag::digits;
          t.value = number_of(w.substr(0, digits));
          t.width = static_cast<uint8_t>(digits);
        }
      }
    }
    out.push_back(t);
  }
  balance_brackets(out);
  return out;
}

std::string_view lower(std::string_view word, char (&out)[32]) {
  if (word.size() >= sizeof(out))
    return {};
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {out, word.size()};
}

int number_of(std::string_view text) {
  if (text.empty() || text.size() > 6)
    return -1;
  int v = 0;
  for (char c : text) {
    if (!is_digit(c))
      return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool is_tech_word(std::string_view word) {
  char buf[32];
  return is_tech_lower(lower(word, buf));
}

namespace {

/// Bit (first letter, second letter) for every word of the vocabulary and
/// of the number families below: most title words fail this test at once.
struct prefix_filter {
  uint64_t bits[64] = {};
  static unsigned slot(char c) {
    return static_cast<unsigned char>(c) & 63u;
  }
  void add(std::string_view w) {
    bits[slot(w[0])] |= uint64_t{1} << slot(w[1]);
  }
  bool maybe(std::string_view w) const {
    return (bits[slot(w[0])] >> slot(w[1])) & 1u;
  }
};

const prefix_filter& tech_prefixes() {
  static const prefix_filter filter = [] {
    prefix_filter f;
    for (auto w : tech_words)
      f.add(w);
    for (auto w : {"h2", "x2", "dd", "aa", "ea", "ac", "dt", "tr", "fl", "op",
                   "yu", "hi", "di", "xv", "we", "hd"})
      f.add(w);
    return f;
  }();
  return filter;
}

} // namespace

bool is_tech_lower(std::string_view w) {
  if (w.size() < 2 || w.size() > 16 || static_cast<unsigned char>(w[0]) >= 0x80)
    return false;
  if (is_digit(w[0]))
    return !resolution_of(w).empty() || w == "10bit" || w == "10bits" ||
           w == "8bit" || w == "8bits" || w == "12bit" || w == "2ch" ||
           w == "5ch" || w == "6ch";
  if (!tech_prefixes().maybe(w))
    return false;
  if (std::binary_search(std::begin(tech_words), std::end(tech_words), w))
    return true;
  // Families with numbers: h264, x265, dd5, ddp5, aac2, dts-hd parts, 5ch.
  return w == "h264" || w == "h265" || w == "x26" || starts_with(w, "dd5") ||
         starts_with(w, "dd2") || starts_with(w, "ddp") ||
         starts_with(w, "aac") || starts_with(w, "eac3") ||
         starts_with(w, "ac3") || starts_with(w, "dts") ||
         starts_with(w, "truehd") || starts_with(w, "flac") ||
         starts_with(w, "opus") || starts_with(w, "yuv") ||
         starts_with(w, "hi10") || starts_with(w, "hi444") ||
         starts_with(w, "divx") || starts_with(w, "xvid") ||
         starts_with(w, "web-") || w == "hdtv720p" || w == "hdtvx264";
}

std::string resolution_of(std::string_view word) {
  char buf[32];
  auto w = lower(word, buf);
  if (w.empty())
    return {};
  if (w == "4k" || w == "uhd")
    return "2160p";
  if (w == "8k")
    return "4320p";
  auto digits = std::find_if_not(w.begin(), w.end(), is_digit) - w.begin();
  if (digits >= 3 && digits <= 4 &&
      static_cast<size_t>(digits) + 1 == w.size() &&
      (w.back() == 'p' || w.back() == 'i')) {
    int h = number_of(w.substr(0, digits));
    if (h >= 240 && h <= 4320)
      return std::string{w};
  }
  auto x = w.find_first_of("x*");
  if (x != std::string_view::npos && x > 0) {
    int wd = number_of(w.substr(0, x));
    int ht = number_of(w.substr(x + 1));
    if (wd > 0 && ht >= 240 && wd > ht && wd * 10 <= ht * 27)
      return std::to_string(ht == 1088 ? 1080 : ht) + "p";
  }
  return {};
}

std::string source_of(std::string_view word) {
  char buf[32];
  auto w = lower(word, buf);
  if (w == "webdl" || w == "web-dl")
    return "WEB-DL";
  if (w == "webrip" || w == "webcap")
    return "WEBRip";
  if (w == "web")
    return "WEB";
  if (w == "bluray" || w == "bdrip" || w == "brrip" || w == "bd" ||
      w == "bdremux")
    return "BluRay";
  if (w == "hdtv" || w == "ahdtv" || w == "hdtvrip" || w == "pdtv" ||
      w == "sdtv" || w == "dsr" || w == "dsrip" || w == "tvrip" || w == "dvb")
    return "HDTV";
  if (w == "dvd" || w == "dvdrip" || w == "dvdscr" || w == "dvd5" ||
      w == "dvd9" || w == "dvdr")
    return "DVD";
  return {};
}

} // namespace kumo::scanner::detail
