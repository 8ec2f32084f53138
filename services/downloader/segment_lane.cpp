#include "segment_lane.hpp"

#include "sha256.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;

constexpr size_t write_buffer_size = 1 << 20;
constexpr auto wait_slice = std::chrono::milliseconds{50};
/// Attempts per segment on network errors before the download fails (and
/// the queue retries it, resuming from the segment map).
constexpr int max_attempts = 3;
constexpr auto retry_pause = std::chrono::milliseconds{500};

} // namespace

void hash_cursor::offer(const char* data, size_t size, int64_t at) {
  std::lock_guard<std::mutex> guard{mutex};
  if (at != next)
    return;
  hash->update(data, size);
  next += static_cast<int64_t>(size);
}

class segment_lane::handler : public fetch_handler {
public:
  /// `last`: the last byte asked for (past the segment's end for a
  /// response that runs on into the next segment).
  handler(segment_lane& lane, int64_t last) : lane_(lane), last_(last) {
    buffer_.reserve(write_buffer_size);
  }

  bool on_head(const response_head& head) override {
    const auto& seg = lane_.seg_;
    int64_t next = seg.start + lane_.written();
    if (head.status == 206 && head.range && head.range->first == next &&
        head.range->last == last_ && head.range->total == lane_.ctx_.total &&
        (head.validator.empty() ||
         head.validator == lane_.ctx_.request.if_range))
      return true;
    if (head.status == 200 || head.status == 206 || head.status == 416) {
      verdict_ = lane_outcome::changed;
      lane_.error_ = "the origin answered " + std::to_string(head.status) +
                     " to the range of a segment";
    } else {
      verdict_ = lane_outcome::failed;
      lane_.transient_ = is_transient_status(head.status);
      lane_.error_ = "HTTP " + std::to_string(head.status);
    }
    return false;
  }

  bool on_body(const char* data, size_t size) override {
    for (auto* bucket : lane_.ctx_.buckets)
      if (!wait_for(bucket, size))
        return false;
    if (stopping())
      return false;
    auto left = lane_.seg_.length() - lane_.written() -
                static_cast<int64_t>(buffer_.size());
    size = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(size),
                                                 std::max<int64_t>(left, 0)));
    if (buffer_.size() + size > write_buffer_size && !flush())
      return false;
    buffer_.insert(buffer_.end(), data, data + size);
    // A range running on into the next segment: stop at our end.
    if (last_ >= lane_.seg_.end && static_cast<int64_t>(size) == left) {
      flush();
      return false;
    }
    return true;
  }

  bool on_tick() override {
    return !stopping();
  }

  /// Writes what is buffered; the lane's `written` moves only after pwrite.
  bool flush() {
    if (buffer_.empty())
      return true;
    auto at = lane_.seg_.start + lane_.written();
    if (!lane_.ctx_.file->write_at(buffer_.data(), buffer_.size(), at,
                                   &lane_.error_)) {
      verdict_ = lane_outcome::failed;
      lane_.local_ = true;
      return false;
    }
    // Offered before `written` moves, so the coordinator never reads back
    // bytes this call is hashing.
    if (lane_.ctx_.cursor)
      lane_.ctx_.cursor->offer(buffer_.data(), buffer_.size(), at);
    lane_.written_.fetch_add(static_cast<int64_t>(buffer_.size()),
                             std::memory_order_release);
    buffer_.clear();
    return true;
  }

  /// Bytes received but not written are dropped on a stop: once the
  /// coordinator stopped the lanes (lease, pause, cancel), nothing more is
  /// written.
  void drop() {
    buffer_.clear();
  }

  lane_outcome verdict() const {
    return verdict_;
  }

private:
  bool stopping() {
    if (!lane_.ctx_.stop->load(std::memory_order_acquire))
      return false;
    verdict_ = lane_outcome::stopped;
    return true;
  }

  bool wait_for(token_bucket* bucket, size_t bytes) {
    auto until = clock::now() + bucket->reserve(static_cast<int64_t>(bytes));
    while (clock::now() < until) {
      if (stopping()) {
        bucket->refund(static_cast<int64_t>(bytes));
        return false;
      }
      std::this_thread::sleep_for(
          std::min<clock::duration>(until - clock::now(), wait_slice));
    }
    return true;
  }

  segment_lane& lane_;
  int64_t last_;
  std::vector<char> buffer_;
  lane_outcome verdict_ = lane_outcome::running;
};

segment_lane::segment_lane(const lane_context& ctx, segment seg)
    : ctx_(ctx), seg_(seg), written_(seg.done) {
  // nop
}

segment_lane::~segment_lane() = default;

fetch_handler& segment_lane::adopt(int64_t last) {
  adopted_ = std::make_unique<handler>(*this, last);
  return *adopted_;
}

void segment_lane::finish_adopted() {
  auto verdict = adopted_->verdict();
  if (verdict == lane_outcome::running && !adopted_->flush())
    verdict = adopted_->verdict();
  if (verdict == lane_outcome::stopped)
    adopted_->drop();
  adopted_.reset();
  if (verdict == lane_outcome::running)
    run(); // done, or the rest of the segment (past the first answer, or
           // after a network error)
  else
    outcome_.store(verdict, std::memory_order_release);
}

lane_outcome segment_lane::fetch_once() {
  fetch_request req = ctx_.request;
  req.range_from = seg_.start + written();
  req.range_to = seg_.end - 1;
  handler h{*this, seg_.end - 1};
  auto fetched = fetch(req, h);
  if (h.verdict() == lane_outcome::stopped) {
    h.drop();
    return lane_outcome::stopped;
  }
  if (h.verdict() != lane_outcome::running)
    return h.verdict();
  // Network errors keep what arrived: the next attempt continues after it.
  if (!h.flush())
    return lane_outcome::failed;
  if (written() >= seg_.length())
    return lane_outcome::done;
  transient_ = fetched.status != fetch_status::blocked && fetched.transient;
  error_ = fetched.status == fetch_status::finished
               ? "connection closed before the segment ended"
               : fetched.error;
  return lane_outcome::failed;
}

void segment_lane::run() {
  lane_outcome result = lane_outcome::failed;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    result = written() >= seg_.length() ? lane_outcome::done : fetch_once();
    if (result != lane_outcome::failed || !transient_)
      break;
    auto until = clock::now() + retry_pause * attempt;
    while (clock::now() < until && !ctx_.stop->load())
      std::this_thread::sleep_for(wait_slice);
    if (ctx_.stop->load()) {
      result = lane_outcome::stopped;
      break;
    }
  }
  outcome_.store(result, std::memory_order_release);
}

} // namespace kumo::downloader
