#pragma once

// Internal to the episode-name parser: the markers found at one token
// (name_markers.cpp), used by the numbering of a whole name
// (name_numbering.cpp).

#include "parse/name_markers.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner::detail {

constexpr size_t npos = static_cast<size_t>(-1);

/// A season/episode marker spanning tokens first..last.
struct marker {
  int season = -1;
  std::vector<int> eps;
  size_t first = 0;
  size_t last = 0;
};

/// "s01", "s01e02", "s01e02e03", "s1e2", "s01ep01", "s06xe01" (lower case).
bool parse_sxe(std::string_view w, int& season, std::vector<int>& eps);

/// "1x02", "2x04x05", "2009x09", "1xall" (a whole season: eps empty).
bool parse_nxm(std::string_view w, int& season, std::vector<int>& eps);

/// Index of the next word after at most `max_seps` separators, or npos.
size_t next_word(const name_view& v, size_t i, int max_seps);

/// The separators (at most 4) after token i; `next` gets the token after.
std::string seps_after(const name_view& v, size_t i, size_t& next);

/// A number that may be an episode: no year, date, CRC, codec, ...
bool usable_number(const name_view& v, size_t i);

/// "E01", "e01e02", "Ep06", "Ep05v2", "第12話", or a label ("Episode",
/// "Ep", "E") followed by a number. `last` gets the last token used.
bool episode_at(const name_view& v, size_t i, std::vector<int>& eps,
                size_t& last);

/// "S02", "Season 2", "Season2", "Saison VII", "2nd Season", "S 01", "第2季".
bool season_at(const name_view& v, size_t i, int& season, size_t& last);

/// A season and episode at token i: "S01E02", "1x02", "Cap.102",
/// "Season 1 Episode 2", "S01.E02".
bool strong_at(const name_view& v, size_t i, marker& m);

/// Appends lo+1..hi to `eps` (lo = its last number) when the range is sane.
void add_range(std::vector<int>& eps, int hi);

/// Follows a marker's continuation: "-E03", "E02", "-03", "+02",
/// " - S01E03", "-1x03", "_02" (after NxM only when `nxm`).
void extend(const name_view& v, marker& m, bool nxm);

/// A range after the number at `i` ("01-12", "01~10", "01 - 119"), appended
/// to `eps`; returns the last token used.
size_t number_range(const name_view& v, size_t i, std::vector<int>& eps);

/// Absolute numbers written next to a season marker.
std::vector<int> absolute_near(const name_view& v, const marker& m);

} // namespace kumo::scanner::detail
