#pragma once

// Internal to the episode-name parser: text normalization, tokens and the
// vocabulary of release names (codecs, sources, resolutions, ...).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner::detail {

/// Cuts `text` to max_name_bytes, replaces invalid UTF-8 and control
/// characters, maps full-width ASCII (U+FF01..U+FF5E) to ASCII, the
/// ideographic space and the quotes 「」『』 to ' ', CJK brackets
/// (【】〔〕〖〗) to '[' ']', dashes (U+2010..U+2015, U+2212) to '-', and '\\'
/// to '/'.
std::string normalize(std::string_view text);

enum class kind : uint8_t { word, sep, open, close };

enum flag : uint16_t {
  tech = 1 << 0,    ///< codec, source, resolution, language, tag, ...
  used = 1 << 1,    ///< consumed by an episode or season marker
  date = 1 << 2,    ///< part of an air date
  year = 1 << 3,    ///< a year 1900..2099
  crc = 1 << 4,     ///< an 8-hex-digit checksum
  digits = 1 << 5,  ///< all digits, or digits + "v<N>" (version)
  skip = 1 << 6,    ///< a number that cannot be an episode
  numeric = 1 << 7, ///< the word contains a digit
};

struct token {
  uint32_t begin = 0; ///< byte offset in the text
  uint32_t end = 0;
  kind type = kind::word;
  char ch = 0;       ///< the separator or bracket character
  uint8_t depth = 0; ///< bracket depth; an open/close has the outer depth
  uint16_t flags = 0;
  int value = -1;    ///< the number of a `digits` word
  uint8_t width = 0; ///< its digit count
};

/// Splits `text` into words, single separators and brackets.
std::vector<token> tokenize(std::string_view text);

/// Lower-cases ASCII letters of `word` into `out` (at most 31 bytes;
/// longer words give "").
std::string_view lower(std::string_view word, char (&out)[32]);

/// True for release vocabulary: codecs, sources, audio, languages, tags.
bool is_tech_word(std::string_view word);

/// is_tech_word for a word already lower-cased.
bool is_tech_lower(std::string_view word);

/// "1080p" for "1080p", "1080i" for "1080i", "1080p" for "1920x1080",
/// "2160p" for "4K"/"UHD"; "" otherwise.
std::string resolution_of(std::string_view word);

/// True when resolution_of(word) is not "" (without building the string).
bool is_resolution(std::string_view word);

/// Canonical source name ("WEB-DL", "BluRay", ...) or "".
std::string source_of(std::string_view word);

/// Lower-case labels that announce an episode ("ep", "episode", ...) or a
/// season ("season", "saison", "temporada", "сезон", ...).
bool is_episode_label(std::string_view w);
bool is_season_label(std::string_view w);

/// "第3季"/"第2期" give the season, "第12話"/"第12话"/"第05集" the episode;
/// -1 otherwise.
int cjk_season(std::string_view w);
int cjk_episode(std::string_view w);

/// "i".."xv" as 1..15; -1 otherwise.
int roman(std::string_view w);

/// Parses 1..6 ASCII digits; -1 otherwise.
int number_of(std::string_view text);

bool is_digit(char c);
bool is_alpha(char c);

} // namespace kumo::scanner::detail
