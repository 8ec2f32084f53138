// Times the library walk over an existing tree (see bench/library_scan.py):
//   kumo_scanner_walk_bench <root> [runs] [changes] [threads]
// Prints one JSON line: the median wall seconds of `runs` first walks (no
// previous state), of `runs` no-change rescans, of `runs` rescans after
// `changes` files were renamed (each in its own series folder, renamed back
// after each run), the counters of the last walk of each kind, and the peak
// RSS of the process. `threads` (1 or 2, default 1) is walk_options::threads.
// Each kind also has the median CPU time of the process (all threads) per
// walk, which a busy machine disturbs less than wall time.

#include "walk/library_walk.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace kumo::scanner;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Wall and CPU seconds of the walks of one kind.
struct timings {
  std::vector<double> wall, cpu;
};

/// Timed walk; stores its result in `out`.
void timed(const std::string& root, const walk_options& opt,
           const walk_state* prev, walk_result& out, timings& t) {
  out = {}; // one result of each kind alive at a time, as in a service
  auto start = std::chrono::steady_clock::now();
  double cpu = cpu_seconds();
  out = walk_library(root, opt, prev);
  t.cpu.push_back(cpu_seconds() - cpu);
  t.wall.push_back(seconds_since(start));
}

/// Renames the first episode of `count` series (spread over the library)
/// to episode 99, or back when `back`. Returns how many were renamed.
int rename_some(const std::string& root, const walk_result& r, int count,
                bool back) {
  int done = 0;
  if (count <= 0)
    return 0;
  std::size_t step = std::max<std::size_t>(1, r.series.size() / count);
  for (std::size_t i = 0; i < r.series.size() && done < count; i += step) {
    const auto& s = *r.series[i];
    if (s.episodes.empty())
      continue;
    std::string from = root;
    from += '/';
    from += s.folder;
    from += '/';
    from += s.episodes[0].path;
    std::string to = from + ".E99.mkv";
    if (back)
      std::swap(from, to);
    if (std::rename(from.c_str(), to.c_str()) == 0)
      ++done;
  }
  return done;
}

void print_stats(const char* key, const walk_stats& s) {
  std::printf("\"%s\":{\"dirs\":%llu,\"dirs_reused\":%llu,\"files\":%llu,"
              "\"skipped\":%llu,\"symlinks\":%llu,\"errors\":%llu},",
              key, (unsigned long long)s.dirs,
              (unsigned long long)s.dirs_reused, (unsigned long long)s.files,
              (unsigned long long)s.skipped, (unsigned long long)s.symlinks,
              static_cast<unsigned long long>(s.errors) + s.denied +
                  s.vanished);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <root> [runs] [changes]\n", argv[0]);
    return 2;
  }
  std::string root = argv[1];
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  int changes = argc > 3 ? std::atoi(argv[3]) : 10;
  walk_options opt;
  opt.threads = argc > 4 ? std::atoi(argv[4]) : 1;
  timings first, rescan, changed;
  walk_result base, again, after;
  for (int i = 0; i < runs; ++i)
    timed(root, opt, nullptr, base, first);
  if (!base.ok) {
    std::fprintf(stderr, "cannot open %s\n", root.c_str());
    return 1;
  }
  for (int i = 0; i < runs; ++i)
    timed(root, opt, &base.state, again, rescan);
  int renamed = 0;
  for (int i = 0; i < runs; ++i) {
    renamed = rename_some(root, base, changes, false);
    timed(root, opt, &base.state, after, changed);
    rename_some(root, base, changes, true);
  }
  std::size_t episodes = 0;
  for (const auto& s : base.series)
    episodes += s->episodes.size();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(R"({"threads":%d,"series":%zu,"episodes":%zu,"renamed":%d,)",
              opt.threads, base.series.size(), episodes, renamed);
  print_stats("first_stats", base.stats);
  print_stats("rescan_stats", again.stats);
  print_stats("changed_stats", after.stats);
  std::printf("\"first_s\":%.6f,\"rescan_s\":%.6f,\"changed_s\":%.6f,"
              "\"first_cpu_s\":%.6f,\"rescan_cpu_s\":%.6f,"
              "\"max_rss_kib\":%ld}\n",
              median(first.wall), median(rescan.wall), median(changed.wall),
              median(first.cpu), median(rescan.cpu), usage.ru_maxrss);
  return 0;
}
