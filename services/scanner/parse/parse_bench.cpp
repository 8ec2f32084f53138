// Episode-name parsing throughput on one core: parses the names of the
// table (testdata/names.tsv) over and over and prints names per CPU-second
// of the thread, per run, their median and the best run (the one least
// disturbed by other processes on a shared machine).
//   kumo_scanner_parse_bench [seconds-per-run] [runs]
//   kumo_scanner_parse_bench --passes N   (N passes, no timing: for
//                                          counting instructions)

#include "parse/episode_name.hpp"
#include "parse/name_table.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>
#include <vector>

namespace {

/// CPU seconds used by this thread: the rate stays a one-core figure when
/// other processes share the machine.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

} // namespace

/// Parses every row `passes` times; returns a checksum.
size_t parse_all(const std::vector<kumo::scanner::name_row>& rows, int passes) {
  size_t sink = 0;
  for (int p = 0; p < passes; ++p)
    for (const auto& row : rows) {
      auto result = kumo::scanner::parse_episode_name(row.name);
      sink += result.episodes.size() + result.absolute.size();
    }
  return sink;
}

int main(int argc, char** argv) {
  bool fixed = argc > 2 && std::string_view{argv[1]} == "--passes";
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string error;
  auto rows = kumo::scanner::load_name_table(KUMO_PARSE_TABLE, error);
  if (rows.empty()) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (fixed) {
    int passes = std::atoi(argv[2]);
    auto sink = parse_all(rows, passes);
    std::printf("%zu names parsed [checksum %zu]\n",
                rows.size() * static_cast<size_t>(std::max(passes, 0)), sink);
    return 0;
  }
  size_t bytes = 0;
  for (const auto& row : rows)
    bytes += row.name.size();
  std::vector<double> rates;
  size_t sink = 0;
  for (int run = 0; run < std::max(runs, 1); ++run) {
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    auto cpu_start = thread_seconds();
    size_t parsed = 0;
    double elapsed = 0;
    do {
      sink += parse_all(rows, 1);
      parsed += rows.size();
      elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < seconds);
    double cpu = thread_seconds() - cpu_start;
    rates.push_back(static_cast<double>(parsed) / cpu);
    std::printf("run %d: %.0f names per CPU-second (%.0f per wall second)\n",
                run + 1, rates.back(), static_cast<double>(parsed) / elapsed);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("best run: %.0f names per CPU-second (%.2f us/name)\n",
              rates.back(), 1e6 / rates.back());
  std::printf("%zu names (mean %.0f bytes), median of %zu runs: %.0f names per "
              "CPU-second "
              "(%.2f us/name)  [checksum %zu]\n",
              rows.size(),
              static_cast<double>(bytes) / static_cast<double>(rows.size()),
              rates.size(), rates[rates.size() / 2],
              1e6 / rates[rates.size() / 2], sink);
  return 0;
}
