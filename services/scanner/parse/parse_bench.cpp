// Episode-name parsing throughput on one core: parses the names of the
// table (testdata/names.tsv) over and over and prints names per second.
//   kumo_scanner_parse_bench [seconds-per-run] [runs]

#include "parse/episode_name.hpp"
#include "parse/name_table.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
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

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string error;
  auto rows = kumo::scanner::load_name_table(KUMO_PARSE_TABLE, error);
  if (rows.empty()) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
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
      for (const auto& row : rows) {
        auto result = kumo::scanner::parse_episode_name(row.name);
        sink += result.episodes.size() + result.absolute.size();
      }
      parsed += rows.size();
      elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < seconds);
    double cpu = thread_seconds() - cpu_start;
    rates.push_back(static_cast<double>(parsed) / cpu);
    std::printf("run %d: %.0f names per CPU-second (%.0f per wall second)\n",
                run + 1, rates.back(), static_cast<double>(parsed) / elapsed);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("%zu names (mean %.0f bytes), median of %zu runs: %.0f names per "
              "CPU-second "
              "(%.2f us/name)  [checksum %zu]\n",
              rows.size(), static_cast<double>(bytes) / rows.size(),
              rates.size(), rates[rates.size() / 2],
              1e6 / rates[rates.size() / 2], sink);
  return 0;
}
