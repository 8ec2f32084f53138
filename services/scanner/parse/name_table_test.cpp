#include "parse/name_table.hpp"

#include <cstdio>
#include <gtest/gtest.h>

namespace {

using namespace kumo::scanner;

constexpr double required_percent = 97.0;

TEST(name_table, has_at_least_four_hundred_rows) {
  std::string error;
  auto rows = load_name_table(KUMO_PARSE_TABLE, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_GE(rows.size(), 400u);
}

TEST(name_table, exact_match_score_is_at_least_97_percent) {
  std::string error;
  auto rows = load_name_table(KUMO_PARSE_TABLE, error);
  ASSERT_FALSE(rows.empty()) << error;
  auto score = score_name_table(rows);
  std::string failures;
  for (const auto& f : score.failures)
    failures += f + "\n";
  std::printf("exact: %zu / %zu = %.1f %%\n", score.exact, score.rows,
              score.percent());
  EXPECT_GE(score.percent(), required_percent) << failures;
}

TEST(name_table, malformed_rows_are_reported_not_guessed) {
  // A table with a bad season cell must load as an error, not as a row.
  auto path = ::testing::TempDir() + "bad_names.tsv";
  auto* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("Show.S01E02\tone\t2\t-\tShow\tkumo\n", f);
  std::fclose(f);
  std::string error;
  auto rows = load_name_table(path, error);
  EXPECT_TRUE(rows.empty());
  EXPECT_NE(error.find("malformed"), std::string::npos);
}

} // namespace
