// Bounded, crash-free parsing of hostile input; meant to run under
// AddressSanitizer and UndefinedBehaviorSanitizer (the Sanitize build).

#include "parse/episode_name.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <random>
#include <string>

namespace {

using namespace kumo::scanner;

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80         ? 1
                 : (c >> 5) == 6  ? 2
                 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4
                                  : 0;
    if (len == 0 || i + len > s.size())
      return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    i += len;
  }
  return true;
}

void check(const std::string& input) {
  auto parsed = parse_episode_name(input);
  auto json = to_json(parsed);
  ASSERT_TRUE(valid_utf8(json)) << "output is not UTF-8";
  EXPECT_LE(parsed.title.size(), max_name_bytes * 3);
  EXPECT_LE(parsed.episodes.size(), static_cast<size_t>(max_name_bytes));
  EXPECT_LE(parsed.absolute.size(), static_cast<size_t>(max_name_bytes));
}

std::string random_bytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng() & 0xFF);
  return s;
}

/// Random strings over the alphabet of release names.
std::string random_release(std::mt19937& rng, size_t n) {
  static const std::string alphabet = "SsEeXxVvPp0123456789.-_ []()~+#&of";
  static const char* pieces[] = {
      "S01",  "E02", "1x02",   "-",  " - ",  "[", "]",  "(",  ")",  "720p",
      "x264", "v2",  "Season", "Ep", "2019", "~", "第", "話", "【", "】"};
  std::string s;
  while (s.size() < n) {
    if (rng() % 3 == 0)
      s += pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
    else
      s += alphabet[rng() % alphabet.size()];
  }
  return s;
}

TEST(parse_fuzz, random_bytes_never_crash) {
  std::mt19937 rng{20261127};
  for (int i = 0; i < 20000; ++i)
    check(random_bytes(rng, rng() % 300));
}

TEST(parse_fuzz, random_release_like_text_never_crashes) {
  std::mt19937 rng{42};
  for (int i = 0; i < 20000; ++i)
    check(random_release(rng, rng() % 200));
}

TEST(parse_fuzz, deep_and_unbalanced_brackets) {
  check(std::string(5000, '[') + "Show - 01" + std::string(5000, ']'));
  check(std::string(5000, ')') + "S01E01");
  std::string nested;
  for (int i = 0; i < 2000; ++i)
    nested += "([{";
  check(nested + "Show S01E02");
}

TEST(parse_fuzz, long_inputs_are_cut_and_stay_fast) {
  std::vector<std::string> inputs = {
      std::string(1 << 20, 'a'),
      std::string(1 << 20, '1'),
      std::string(1 << 20, '.'),
  };
  std::string ranges;
  while (ranges.size() < (1 << 20))
    ranges += "S01E01-E99-";
  inputs.push_back(ranges);
  std::string numbers;
  while (numbers.size() < (1 << 20))
    numbers += "001-999 ";
  inputs.push_back(numbers);
  for (const auto& input : inputs) {
    auto start = std::chrono::steady_clock::now();
    check(input);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::seconds(2));
  }
}

TEST(parse_fuzz, input_past_the_limit_is_ignored) {
  // The episode marker sits after max_name_bytes: it must not be seen.
  auto name = std::string(max_name_bytes, 'a') + ".S01E02.mkv";
  auto parsed = parse_episode_name(name);
  EXPECT_FALSE(parsed.season.has_value());
  EXPECT_TRUE(parsed.episodes.empty());
}

TEST(parse_fuzz, invalid_utf8_is_replaced) {
  auto parsed = parse_episode_name("Sh\xff\xfeow.S01E02.mkv");
  EXPECT_EQ(parsed.season, 1);
  EXPECT_EQ(parsed.episodes, std::vector<int>{2});
  EXPECT_EQ(parsed.title, "Sh\xEF\xBF\xBD\xEF\xBF\xBDow");
}

} // namespace
