#include "segmented_run.hpp"

#include "segment_map_file.hpp"

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;

/// How often the coordinator looks at the lanes, the lease and the hash.
constexpr auto tick = std::chrono::milliseconds{20};
/// Bytes hashed per tick at most, so stop requests stay prompt.
constexpr int64_t hash_slice = int64_t{8} << 20;

} // namespace

segmented_run::segmented_run(const transfer_spec& spec,
                             const transfer_settings& settings,
                             transfer_observer& observer, segment_map map,
                             bool resumed)
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

bool segmented_run::open(std::optional<part_file> file) {
  if (file) {
    file_ = std::move(file); // fresh and empty: made by the first connection
  } else {
    int64_t keep =
        resumed_ ? part_file::existing_size(spec_.paths.part_path) : 0;
    file_ = part_file::create(spec_.paths, keep, &error_, spec_.job_id);
    if (!file_)
      return broke(error_);
    if (file_->kept() < keep) // shrank meanwhile: the map no longer holds
      return broke("partial file changed while resuming");
  }
  map_.inode = file_->inode();
  result_.resumed = resumed_ ? resume_kind::range : resume_kind::fresh;
  return (file_->sync(&error_) || broke(error_)) && record();
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

bool segmented_run::begin(bool adopt_first, std::optional<part_file> file) {
  if (!open(std::move(file)))
    return false;
  observer_.on_started(contiguous_prefix(map_.segments), map_.total);
  reported_ = bytes_written(map_.segments);
  speed_.start(reported_, clock::now());
  start_lanes(adopt_first);
  return true;
}

transfer_result segmented_run::open_failed() {
  return stopped_ ? end_stopped() : fail(true, error_, true);
}

transfer_result segmented_run::run() {
  if (!begin(false))
    return open_failed();
  watch();
  return end();
}

bool segmented_run::broke(std::string error) {
  broken_ = true;
  error_ = std::move(error);
  return false;
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

int64_t segmented_run::hashed() {
  std::lock_guard<std::mutex> guard{cursor_.mutex};
  return cursor_.next;
}

bool segmented_run::hash_ready(int64_t budget) {
  std::lock_guard<std::mutex> guard{cursor_.mutex};
  int64_t length = std::min(frontier() - cursor_.next, budget);
  if (length <= 0)
    return false;
  if (!file_->hash_range(cursor_.next, length, hash_, &error_))
    return broke(error_);
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
    return broke(error_);
  for (size_t i = 0; i < snapshot.size(); ++i)
    map_.segments[i].done = snapshot[i];
  if (!write_segment_map(spec_.paths, map_, &error_))
    return broke(error_);
  durable_state state{contiguous_prefix(map_.segments), map_.total,
                      map_.validator};
  if (state.bytes_done != result_.state.bytes_done ||
      state.bytes_total != result_.state.bytes_total) {
    result_.state = state;
    observer_.on_durable(state);
  }
  return true;
}

void segmented_run::report_progress() {
  int64_t written = 0;
  for (const auto& lane : lanes_)
    written += lane->written();
  speed_.update(written, clock::now());
  if (written > reported_) {
    observer_.on_progress(written - reported_, written, map_.total,
                          speed_.bytes_per_second());
    reported_ = written;
  }
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
    report_progress();
    if (all_ended || stop_)
      return;
    bool busy = !spec_.sha256.empty() && hash_ready(hash_slice);
    if (!broken_ && clock::now() - last_sync >= settings_.sync_interval) {
      record(); // a failure or a refusal ends the watch below
      last_sync = clock::now();
    }
    if (broken_ || stopped_) {
      stop_ = true;
      return;
    }
    if (!busy)
      std::this_thread::sleep_for(tick);
  }
}

} // namespace kumo::downloader
