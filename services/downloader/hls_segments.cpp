#include "hls_segments.hpp"

#include "part_file.hpp"

#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;
constexpr int attempts = 3;
constexpr std::chrono::milliseconds tick{100};

/// What the fetching threads share.
struct shared_run {
  shared_run(const providers::hls::media_playlist& p, const key_map& k,
             const std::string& d, hls_fetch_settings f)
      : playlist(p), keys(k), dir(d), fetch(std::move(f)) {}

  const providers::hls::media_playlist& playlist;
  const key_map& keys;
  const std::string& dir;
  hls_fetch_settings fetch;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> received{0};      ///< bytes of this run
  std::atomic<int64_t> durable_bytes{0}; ///< size of whole segments
  std::atomic<int> done{0};
  std::atomic<int> reused{0};
  std::mutex mutex;
  std::string error; ///< first failure (guarded by mutex)
  bool transient = true;
};

segment_request request_for(const providers::hls::segment& s,
                            const key_map& keys) {
  segment_request r;
  r.url = s.url;
  if (s.range) {
    r.range_offset = s.range->offset;
    r.range_length = s.range->length;
  }
  if (s.key) {
    r.key = keys.at(s.key->url);
    r.iv = providers::hls::segment_iv(s);
  }
  return r;
}

void fetch_one(shared_run& run, size_t index) {
  auto name = run.dir + "/" + segment_file(index);
  auto existing = part_file::existing_size(name);
  if (existing > 0) {
    run.durable_bytes += existing;
    ++run.reused;
    ++run.done;
    return;
  }
  auto req = request_for(run.playlist.segments[index], run.keys);
  char temp[40];
  std::snprintf(temp, sizeof temp, "/%05zu.tmp", index);
  hls_fetch_outcome out;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    out = fetch_segment(req, run.dir + temp, name, run.fetch, &run.received);
    if (out.ok || out.stopped || !out.transient || attempt == attempts)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{500 * attempt});
  }
  if (out.ok) {
    run.durable_bytes += part_file::existing_size(name);
    ++run.done;
    return;
  }
  std::lock_guard<std::mutex> guard{run.mutex};
  if (run.error.empty() && !out.stopped) {
    run.error = "segment " + std::to_string(index) + ": " + out.error;
    run.transient = out.transient;
  }
  run.stop = true;
}

void worker_loop(shared_run& run) {
  for (;;) {
    if (run.stop.load())
      return;
    auto index = run.next.fetch_add(1);
    if (index >= run.playlist.segments.size())
      return;
    fetch_one(run, index);
  }
}

} // namespace

std::string segment_file(size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%05zu.ts.part", index);
  return name;
}

segments_outcome fetch_segments(const providers::hls::media_playlist& playlist,
                                const key_map& keys, const std::string& dir,
                                int parallel, const hls_fetch_settings& fetch,
                                transfer_observer& observer) {
  shared_run run{playlist, keys, dir, fetch};
  run.fetch.stop = &run.stop;
  auto total = static_cast<int>(playlist.segments.size());
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, std::min(parallel, total)); ++i)
    threads.emplace_back(worker_loop, std::ref(run));
  segments_outcome out;
  int64_t reported = 0;
  auto started = clock::now();
  for (;;) {
    bool finished = run.done.load() == total;
    bool failed = run.stop.load();
    if (!finished && !failed && !observer.may_continue()) {
      run.stop = true;
      out.stopped = true;
    }
    auto durable = run.durable_bytes.load();
    auto current = durable + 0;
    int done = run.done.load();
    int64_t estimate =
        done > 0 ? durable * total / std::max(done, 1) : int64_t{-1};
    auto received = run.received.load();
    double seconds =
        std::chrono::duration<double>(clock::now() - started).count();
    auto speed =
        seconds > 0.5
            ? static_cast<int64_t>(static_cast<double>(received) / seconds)
            : 0;
    observer.on_progress(received - reported, current, estimate, speed);
    reported = received;
    observer.on_durable({durable, -1, {}});
    if (finished || run.stop.load())
      break;
    std::this_thread::sleep_for(tick);
  }
  for (auto& t : threads)
    t.join();
  out.reused = run.reused.load();
  if (run.done.load() == total) {
    out.ok = true;
    for (size_t i = 0; i < playlist.segments.size(); ++i)
      out.files.push_back(segment_file(i));
    return out;
  }
  std::lock_guard<std::mutex> guard{run.mutex};
  out.error = run.error;
  out.transient = run.transient;
  if (out.error.empty() && !out.stopped)
    out.stopped = true; // stop raised without an error: the observer's
  return out;
}

} // namespace kumo::downloader
