#include "segmented.hpp"

#include "segment_lane.hpp"
#include "segment_map_file.hpp"
#include "sha256.hpp"
#include "throttle.hpp"

#include <memory>
#include <thread>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;

/// How often the coordinator looks at the lanes, the lease and the hash.
constexpr auto tick = std::chrono::milliseconds{20};
/// Bytes hashed per tick at most, so stop requests stay prompt.
constexpr int64_t hash_slice = int64_t{8} << 20;

/// Runs the lanes of one segmented download and keeps its map.
class segmented_run {
public:
  segmented_run(const transfer_spec& spec, const transfer_settings& settings,
                transfer_observer& observer, segment_map map, bool resumed)
      : spec_(spec),
        settings_(settings),
        observer_(observer),
        map_(std::move(map)),
        resumed_(resumed) {
    if (spec.rate_limit_bps > 0)
      job_bucket_ = std::make_unique<token_bucket>(
          spec.rate_limit_bps,
          std::max<int64_t>(spec.rate_limit_bps / 10, int64_t{16} * 1024));
  }

  transfer_result run();

  /// Opens the `.part`, records the map and starts the lanes; with
  /// `adopt_first`, lane 0 gets no thread: its bytes come from a response
  /// already under way (first_lane().adopt()). False when the file cannot
  /// be prepared (see open_failed()).
  bool begin(bool adopt_first);
  transfer_result open_failed() {
    return stopped_ ? end_stopped() : fail(true, error_);
  }
  segment_lane& first_lane() {
    return *lanes_.front();
  }
  /// The coordinator: lease, progress, hashing and fsync until every lane
  /// ended (or one failed, or the observer said stop).
  void watch();
  /// Stops and joins the lanes, then verifies or reports what stopped them.
  transfer_result end();

  /// The origin stopped serving this file in ranges: start over on one
  /// connection.
  bool fallback() const {
    return fallback_;
  }

private:
  bool open();
  void start_lanes(bool adopt_first);
  bool record();
  bool hash_ready(int64_t budget);
  int64_t frontier() const;
  int64_t hashed() {
    std::lock_guard<std::mutex> guard{cursor_.mutex};
    return cursor_.next;
  }
  transfer_result fail(bool transient, std::string error);
  transfer_result end_stopped();
  transfer_result verify();

  const transfer_spec& spec_;
  const transfer_settings& settings_;
  transfer_observer& observer_;
  segment_map map_;
  bool resumed_;
  std::unique_ptr<token_bucket> job_bucket_;
  std::optional<part_file> file_;
  lane_context ctx_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<segment_lane>> lanes_;
  std::vector<std::thread> threads_;
  transfer_result result_;
  sha256 hash_;
  hash_cursor cursor_; ///< how far hash_ got (lanes hash in-order writes)
  speed_meter speed_;
  int64_t reported_ = 0;
  bool stopped_ = false;
  bool fallback_ = false;
  std::string error_;
};

bool segmented_run::open() {
  int64_t keep = resumed_ ? part_file::existing_size(spec_.paths.part_path) : 0;
  file_ = part_file::create(spec_.paths, keep, &error_, spec_.job_id);
  if (!file_)
    return false;
  if (file_->kept() < keep) { // shrank meanwhile: the map no longer holds
    error_ = "partial file changed while resuming";
    return false;
  }
  map_.inode = file_->inode();
  result_.resumed = resumed_ ? resume_kind::range : resume_kind::fresh;
  return file_->sync(&error_) && record();
}

void segmented_run::start_lanes(bool adopt_first) {
  ctx_.request.url = spec_.url;
  ctx_.request.user_agent = settings_.user_agent;
  ctx_.request.connect_timeout = settings_.connect_timeout;
  ctx_.request.stall_timeout = settings_.stall_timeout;
  ctx_.request.policy = settings_.policy;
  ctx_.request.if_range = map_.validator;
  ctx_.file = &*file_;
  ctx_.total = map_.total;
  ctx_.stop = &stop_;
  if (!spec_.sha256.empty()) {
    cursor_.hash = &hash_;
    ctx_.cursor = &cursor_;
  }
  for (auto* bucket :
       {job_bucket_.get(), settings_.provider_bucket, settings_.bucket})
    if (bucket)
      ctx_.buckets.push_back(bucket);
  for (const auto& seg : map_.segments)
    lanes_.push_back(std::make_unique<segment_lane>(ctx_, seg));
  for (size_t i = adopt_first ? 1 : 0; i < lanes_.size(); ++i)
    if (!lanes_[i]->plan().complete())
      threads_.emplace_back([l = lanes_[i].get()] { l->run(); });
}

int64_t segmented_run::frontier() const {
  int64_t out = 0;
  for (const auto& lane : lanes_) {
    out = lane->plan().start + lane->written();
    if (lane->written() < lane->plan().length())
      break;
  }
  return out;
}

bool segmented_run::hash_ready(int64_t budget) {
  std::lock_guard<std::mutex> guard{cursor_.mutex};
  int64_t length = std::min(frontier() - cursor_.next, budget);
  if (length <= 0)
    return false;
  if (!file_->hash_range(cursor_.next, length, hash_, &error_))
    return false;
  cursor_.next += length;
  result_.bytes_read_back += length;
  return true;
}

/// fsync, then the map, then the offsets: a map or an offset reported is
/// never ahead of the durable bytes. Only while the lease holds.
bool segmented_run::record() {
  if (!observer_.may_continue()) {
    stopped_ = true;
    return false;
  }
  std::vector<int64_t> snapshot;
  for (const auto& lane : lanes_)
    snapshot.push_back(lane->written());
  if (!file_->sync(&error_))
    return false;
  for (size_t i = 0; i < snapshot.size(); ++i)
    map_.segments[i].done = snapshot[i];
  if (!write_segment_map(spec_.paths, map_, &error_))
    return false;
  durable_state state{contiguous_prefix(map_.segments), map_.total,
                      map_.validator};
  if (state.bytes_done != result_.state.bytes_done ||
      state.bytes_total != result_.state.bytes_total) {
    result_.state = state;
    observer_.on_durable(state);
  }
  return true;
}

void segmented_run::watch() {
  auto last_sync = clock::now();
  while (true) {
    bool all_ended = true;
    for (const auto& lane : lanes_) {
      auto o = lane->outcome();
      if (o == lane_outcome::failed || o == lane_outcome::changed)
        stop_ = true;
      all_ended =
          all_ended && (o != lane_outcome::running || lane->plan().complete());
    }
    if (!stop_ && !observer_.may_continue()) {
      stopped_ = true;
      stop_ = true;
    }
    int64_t written = 0;
    for (const auto& lane : lanes_)
      written += lane->written();
    speed_.update(written, clock::now());
    if (written > reported_) {
      observer_.on_progress(written - reported_, written, map_.total,
                            speed_.bytes_per_second());
      reported_ = written;
    }
    if (all_ended || stop_)
      return;
    bool busy = !spec_.sha256.empty() && hash_ready(hash_slice);
    if (clock::now() - last_sync >= settings_.sync_interval) {
      if (!record())
        stop_ = true;
      last_sync = clock::now();
    }
    if (!busy)
      std::this_thread::sleep_for(tick);
  }
}

transfer_result segmented_run::end_stopped() {
  // Only an fsync: after a stop nothing more is written, not even the map.
  std::string ignored;
  if (file_)
    file_->sync(&ignored);
  result_.outcome = transfer_outcome::stopped;
  result_.file = std::move(file_);
  return std::move(result_);
}

transfer_result segmented_run::fail(bool transient, std::string error) {
  result_.outcome = transfer_outcome::failed;
  result_.transient = transient;
  result_.error = std::move(error);
  if (!transient && file_)
    remove_segment_map(spec_.paths, file_->inode());
  result_.file = std::move(file_);
  return std::move(result_);
}

transfer_result segmented_run::verify() {
  if (!record())
    return stopped_ ? end_stopped() : fail(true, error_);
  int64_t size = file_->size();
  std::string mismatch;
  for (int64_t expected : {map_.total, spec_.expected_size})
    if (expected >= 0 && size != expected)
      mismatch = "size mismatch: " + std::to_string(size) + " bytes on disk, " +
                 std::to_string(expected) + " expected";
  if (mismatch.empty() && !spec_.sha256.empty()) {
    while (hashed() < size)
      if (!hash_ready(hash_slice))
        return fail(true, error_);
    result_.sha256 = hash_.hex_digest();
    if (result_.sha256 != spec_.sha256)
      mismatch = "sha256 mismatch: got " + result_.sha256 + ", expected " +
                 spec_.sha256;
  }
  remove_segment_map(spec_.paths, file_->inode());
  if (!mismatch.empty()) {
    // The bytes cannot be trusted: the next attempt starts from zero.
    std::string ignored;
    file_->truncate(0, &ignored);
    file_->sync(&ignored);
    result_.state = durable_state{0, -1, {}};
    observer_.on_durable(result_.state);
    return fail(true, mismatch);
  }
  result_.state = durable_state{size, size, map_.validator};
  observer_.on_durable(result_.state);
  result_.outcome = transfer_outcome::completed;
  result_.file = std::move(file_);
  return std::move(result_);
}

bool segmented_run::begin(bool adopt_first) {
  if (!open())
    return false;
  observer_.on_started(contiguous_prefix(map_.segments), map_.total);
  reported_ = bytes_written(map_.segments);
  speed_.start(reported_, clock::now());
  start_lanes(adopt_first);
  return true;
}

transfer_result segmented_run::run() {
  if (!begin(false))
    return open_failed();
  watch();
  return end();
}

transfer_result segmented_run::end() {
  stop_ = true;
  for (auto& t : threads_)
    t.join();
  const segment_lane* failed = nullptr;
  for (const auto& lane : lanes_) {
    if (lane->outcome() == lane_outcome::changed)
      fallback_ = true;
    if (lane->outcome() == lane_outcome::failed && !failed)
      failed = lane.get();
  }
  if (stopped_)
    return end_stopped();
  if (fallback_) {
    remove_segment_map(spec_.paths, file_->inode());
    return fail(true, "ranges refused");
  }
  if (failed) {
    record(); // keep what arrived for the retry
    return fail(failed->transient(), failed->error());
  }
  return verify();
}

} // namespace

namespace {

/// A fresh download's first connection asks for `Range: bytes=0-`. When the
/// 206 shows a file worth splitting (size, validator), that connection
/// becomes segment 0 and the other segments start at once; otherwise the
/// transfer keeps it as its one connection.
class first_segment_opener : public response_takeover {
public:
  first_segment_opener(const transfer_spec& spec,
                       const transfer_settings& settings,
                       transfer_observer& observer)
      : spec_(spec), settings_(settings), observer_(observer) {}

  fetch_handler* take(const response_head& head) override {
    if (!head.range || head.range->first != 0 || head.range->total <= 0 ||
        head.validator.empty())
      return nullptr;
    int64_t total = head.range->total;
    if (!should_segment(total, true, settings_.segments) ||
        (spec_.expected_size >= 0 && spec_.expected_size != total))
      return nullptr; // one connection (which also reports a wrong size)
    segment_map map{spec_.job_id, head.validator, total, 0,
                    plan_segments(total, settings_.segments)};
    run_ = std::make_unique<segmented_run>(spec_, settings_, observer_,
                                           std::move(map), false);
    if (!run_->begin(true)) {
      early_ = run_->open_failed();
      return &refuse_;
    }
    watcher_ = std::thread([r = run_.get()] { r->watch(); });
    return &run_->first_lane().adopt();
  }

  /// After the transfer handed the response over: the segmented result.
  transfer_result finish() {
    if (!watcher_.joinable())
      return std::move(early_);
    run_->first_lane().finish_adopted();
    watcher_.join();
    return run_->end();
  }

  bool fallback() const {
    return run_ && run_->fallback();
  }

private:
  /// Ends the response when the segmented download could not even start.
  struct refusal : fetch_handler {
    bool on_head(const response_head&) override {
      return false;
    }
    bool on_body(const char*, size_t) override {
      return false;
    }
    bool on_tick() override {
      return false;
    }
  };

  const transfer_spec& spec_;
  const transfer_settings& settings_;
  transfer_observer& observer_;
  std::unique_ptr<segmented_run> run_;
  std::thread watcher_;
  refusal refuse_;
  transfer_result early_;
};

/// After a segment saw the origin stop serving ranges: from zero, on one
/// connection.
transfer_result start_over(const transfer_spec& spec,
                           const transfer_settings& settings,
                           transfer_observer& observer) {
  transfer_spec fresh = spec;
  fresh.bytes_done = 0;
  fresh.validator.clear();
  return run_transfer(fresh, settings, observer);
}

/// This job's map on the current `.part`, when every offset in it holds.
std::optional<segment_map> usable_map(const transfer_spec& spec) {
  auto map = read_segment_map(spec.paths);
  if (!map)
    return std::nullopt;
  int64_t known = spec.bytes_total >= 0 ? spec.bytes_total : spec.expected_size;
  if (map_usable(*map, spec.job_id, inode_of(spec.paths.part_path),
                 part_file::existing_size(spec.paths.part_path), known))
    return map;
  if (map->job == spec.job_id)
    remove_segment_map(spec.paths);
  return std::nullopt;
}

transfer_result run_segmented(const transfer_spec& spec,
                              const transfer_settings& settings,
                              transfer_observer& observer, segment_map map,
                              bool resumed) {
  segmented_run segmented{spec, settings, observer, std::move(map), resumed};
  auto result = segmented.run();
  if (!segmented.fallback())
    return result;
  result.file.reset();
  return start_over(spec, settings, observer);
}

} // namespace

transfer_result run_download(const transfer_spec& spec,
                             const transfer_settings& settings,
                             transfer_observer& observer) {
  const auto& policy = settings.segments;
  if (policy.max_connections <= 1)
    return run_transfer(spec, settings, observer);
  if (auto map = usable_map(spec))
    return run_segmented(spec, settings, observer, *std::move(map), true);
  auto resume = plan_resume(part_file::existing_size(spec.paths.part_path),
                            spec.bytes_done, spec.validator);
  if (resume.offset > 0 || (spec.expected_size >= 0 &&
                            !should_segment(spec.expected_size, true, policy)))
    return run_transfer(spec, settings, observer);
  first_segment_opener opener{spec, settings, observer};
  auto result = run_transfer(spec, settings, observer, &opener);
  if (!result.handed_over)
    return result;
  result = opener.finish();
  if (!opener.fallback())
    return result;
  result.file.reset();
  return start_over(spec, settings, observer);
}

} // namespace kumo::downloader
