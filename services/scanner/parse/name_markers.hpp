#pragma once

// Internal to the episode-name parser: the episode and season markers of
// one name (a file name or one folder of a path).

#include "parse/name_tokens.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner::detail {

/// A name's text with its classified tokens.
struct name_view {
  std::string_view text;
  std::string folded; ///< `text` with ASCII letters lower-cased
  std::vector<token> toks;
  bool anime = false;     ///< "[Group] ..." or a CRC: numbers are absolute
  bool scene = false;     ///< '.'/'_' separated: "102" may mean S01E02
  size_t title_start = 0; ///< first token after leading brackets
  size_t group_end = 0;   ///< tokens before this form the leading group
  std::string date;       ///< first air date, "YYYY-MM-DD"

  std::string_view word(size_t i) const {
    return text.substr(toks[i].begin, toks[i].end - toks[i].begin);
  }
  /// The lower-cased word (ASCII letters only).
  std::string_view lword(size_t i) const {
    return std::string_view{folded}.substr(toks[i].begin,
                                           toks[i].end - toks[i].begin);
  }
  bool is_word(size_t i) const {
    return i < toks.size() && toks[i].type == kind::word;
  }
  bool is_num(size_t i) const {
    return is_word(i) && (toks[i].flags & flag::digits) != 0;
  }
  bool has(size_t i, uint16_t f) const {
    return i < toks.size() && (toks[i].flags & f) != 0;
  }
};

/// Tokenizes and classifies `text` (tech words, dates, years, CRCs, the
/// leading group, anime/scene style).
name_view classify(std::string_view text);

/// How the numbers of a name were written.
enum class marker_strength : uint8_t {
  none,    ///< a bare number, a season alone, or nothing
  labeled, ///< "E05", "Ep 5", "Episode 5", "#5" without a season
  full,    ///< season and episode: "S01E05", "1x05", "Season 1 Episode 5"
};

/// What the markers of one name say. Token indices delimit the title.
struct numbering {
  int season = -1;           ///< -1: none
  std::vector<int> episodes; ///< within season, or absolute when season < 0
  std::vector<int> absolute; ///< absolute numbers next to a season marker
  bool compact_ok = false;   ///< episodes come from a bare number
  int bare_width = 0;        ///< digit count of that bare number
  size_t first = 0;          ///< first token of the first marker
  bool found = false;        ///< some marker was found
  bool number_first = false; ///< the name starts with its episode number
  size_t after = 0;          ///< first token after the leading number
  marker_strength strength = marker_strength::none;
};

/// Finds the season and episodes of `v`.
numbering find_numbering(name_view& v);

/// The season a folder name stands for ("Season 2", "S02", "Specials",
/// a release folder "Show.S02.720p..."), or -1.
int folder_season(std::string_view folder);

/// Splits a compact number ("102", "1013", "0307") into season and episode
/// when `width` is 3 or 4 and the episode part is 1..99 (or 0 for width 3).
bool split_compact(int value, int width, int& season, int& episode);

} // namespace kumo::scanner::detail
