#include "parse/name_tokens.hpp"

#include <algorithm>
#include <iterator>

namespace kumo::scanner::detail {

namespace {

// Looked up through tech_set below.
constexpr std::string_view tech_words[] = {
    "1080i",      "1080p",   "10bit",    "10bits",    "12bit",
    "2160p",      "2ch",     "360p",     "4320p",     "480i",
    "480p",       "4k",      "540p",     "576i",      "576p",
    "5ch",        "6ch",     "720p",     "8bit",      "8bits",
    "8k",         "aac",     "aac2",     "aac5",      "ac3",
    "ahdtv",      "amzn",    "atmos",    "atvp",      "av1",
    "avc",        "avi",     "batch",    "bd",        "bdremux",
    "bdrip",      "big5",    "bluray",   "brrip",     "castellano",
    "cc",         "chap",    "chinese",  "chs",       "cht",
    "complete",   "dd",      "ddp",      "ddp2",      "ddp5",
    "dirfix",     "divx",    "dl",       "dovi",      "dsnp",
    "dsr",        "dsrip",   "dts",      "dtshd",     "dual",
    "dub",        "dubbed",  "dvb",      "dvd",       "dvd5",
    "dvd9",       "dvdr",    "dvdrip",   "dvdscr",    "eac3",
    "eng",        "english", "esp",      "extended",  "extras",
    "fastsub",    "flac",    "fre",      "french",    "gb",
    "ger",        "german",  "h264",     "hardsub",   "hardsubs",
    "hd",         "hdlight", "hdr",      "hdr10",     "hdr10plus",
    "hdrip",      "hdtv",    "hdtvrip",  "hevc",      "hi10",
    "hi10p",      "hmax",    "hq",       "int",       "internal",
    "ita",        "jap",     "japanese", "jpn",       "kor",
    "korean",     "latino",  "ld",       "ldtv",      "limited",
    "lpcm",       "lq",      "mkv",      "mp3",       "mp4",
    "mpeg2",      "multi",   "multisub", "multisubs", "nf",
    "nfofix",     "nl",      "ogg",      "ogm",       "opus",
    "pdtv",       "por",     "proper",   "raw",       "raws",
    "readnfo",    "remux",   "repack",   "rerip",     "rus",
    "sample",     "sd",      "sdr",      "sdtv",      "softsub",
    "spanish",    "sub",     "subbed",   "subpack",   "subs",
    "truefrench", "truehd",  "tvrip",    "uhd",       "ukr",
    "uncensored", "uncut",   "vc1",      "vf",        "vff",
    "vfq",        "vorbis",  "vostfr",   "web",       "web-dl",
    "webcap",     "webdl",   "webrip",   "ws",        "x264",
    "x265",       "xvid"};

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}

} // namespace

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

/// Open-addressing hash set of tech_words (FNV-1a, linear probing).
class tech_set {
public:
  tech_set() {
    for (auto w : tech_words) {
      auto i = hash(w);
      while (!slots_[i].empty())
        i = (i + 1) & (size - 1);
      slots_[i] = w;
    }
  }

  bool contains(std::string_view w) const {
    for (auto i = hash(w); !slots_[i].empty(); i = (i + 1) & (size - 1))
      if (slots_[i] == w)
        return true;
    return false;
  }

private:
  static constexpr size_t size = 1024; // > 4x the vocabulary: short probes

  static size_t hash(std::string_view w) {
    uint32_t h = 2166136261u;
    for (char c : w)
      h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h & (size - 1);
  }

  std::string_view slots_[size];
};

const tech_set& tech_lookup() {
  static const tech_set set;
  return set;
}

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
    return is_resolution(w) || w == "10bit" || w == "10bits" || w == "8bit" ||
           w == "8bits" || w == "12bit" || w == "2ch" || w == "5ch" ||
           w == "6ch";
  if (!tech_prefixes().maybe(w))
    return false;
  if (tech_lookup().contains(w))
    return true;
  // Families with numbers: h264, x265, dd5.1 parts, ddp5, aac2, eac3, ...
  if (std::none_of(w.begin(), w.end(), is_digit))
    return false;
  return w == "h264" || w == "h265" || starts_with(w, "dd5") ||
         starts_with(w, "dd2") || starts_with(w, "ddp") ||
         starts_with(w, "aac") || starts_with(w, "eac3") ||
         starts_with(w, "ac3") || starts_with(w, "dts") ||
         starts_with(w, "truehd") || starts_with(w, "flac") ||
         starts_with(w, "opus") || starts_with(w, "yuv") ||
         starts_with(w, "hi10") || starts_with(w, "hi444") ||
         starts_with(w, "divx") || starts_with(w, "xvid") || w == "hdtv720p" ||
         w == "hdtvx264";
}

bool is_resolution(std::string_view word) {
  // Fast path for "720p", "1080i"; every other form through resolution_of.
  char last = word.empty() ? '\0' : word.back();
  if (word.size() >= 4 && word.size() <= 5 &&
      (last == 'p' || last == 'P' || last == 'i' || last == 'I')) {
    int h = number_of(word.substr(0, word.size() - 1));
    if (h >= 0)
      return h >= 240 && h <= 4320;
  }
  return !resolution_of(word).empty();
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

bool is_episode_label(std::string_view w) {
  return w == "e" || w == "ep" || w == "eps" || w == "epi" || w == "episode" ||
         w == "episodes" || w == "episodio" || w == "folge";
}

bool is_season_label(std::string_view w) {
  return w == "season" || w == "seasons" || w == "saison" || w == "temporada" ||
         w == "staffel" || w == "stagione" || w == "seizoen" ||
         w == "\xD1\x81\xD0\xB5\xD0\xB7\xD0\xBE\xD0\xBD" ||
         w == "\xD0\xA1\xD0\xB5\xD0\xB7\xD0\xBE\xD0\xBD";
}

namespace {

/// "第3季" / "第2期" (season) or "第12話" / "第12话" / "第05集" (episode):
/// returns the number when `w` has that form with one of `suffixes`.
int cjk_number(std::string_view w,
               std::initializer_list<const char*> suffixes) {
  static constexpr std::string_view prefix = "\xE7\xAC\xAC"; // 第
  if (w.size() < prefix.size() + 4 || w.substr(0, prefix.size()) != prefix)
    return -1;
  for (const char* suffix : suffixes) {
    std::string_view sfx{suffix};
    if (w.size() <= prefix.size() + sfx.size() ||
        w.substr(w.size() - sfx.size()) != sfx)
      continue;
    return number_of(
        w.substr(prefix.size(), w.size() - prefix.size() - sfx.size()));
  }
  return -1;
}

} // namespace

int cjk_season(std::string_view w) {
  return cjk_number(w, {"\xE5\xAD\xA3", "\xE6\x9C\x9F"}); // 季 期
}

int cjk_episode(std::string_view w) {
  return cjk_number(
      w, {"\xE8\xA9\xB1", "\xE8\xAF\x9D", "\xE9\x9B\x86"}); // 話 话 集
}

int roman(std::string_view w) {
  static constexpr const char* numerals[] = {"i",  "ii",  "iii",  "iv",  "v",
                                             "vi", "vii", "viii", "ix",  "x",
                                             "xi", "xii", "xiii", "xiv", "xv"};
  for (int k = 0; k < 15; ++k)
    if (w == numerals[k])
      return k + 1;
  return -1;
}

} // namespace kumo::scanner::detail
