// Prints the parser's exact-match score over the table of release names:
//   kumo_scanner_parse_score [table.tsv] [--failures]

#include "parse/name_table.hpp"

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  std::string path = KUMO_PARSE_TABLE;
  bool failures = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--failures") == 0)
      failures = true;
    else
      path = argv[i];
  }
  std::string error;
  auto rows = kumo::scanner::load_name_table(path, error);
  if (rows.empty()) {
    std::fprintf(stderr, "%s\n", error.empty() ? "empty table" : error.c_str());
    return 1;
  }
  auto score = kumo::scanner::score_name_table(rows);
  if (failures)
    for (const auto& f : score.failures)
      std::printf("%s\n", f.c_str());
  std::printf("exact (season, episodes, absolute): %zu / %zu = %.1f %%\n",
              score.exact, score.rows, score.percent());
  std::printf("titles equal (ignoring case and punctuation): %zu / %zu\n",
              score.title_exact, score.titled);
  return 0;
}
