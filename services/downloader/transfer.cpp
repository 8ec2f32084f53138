#include "transfer.hpp"

#include "http_fetch.hpp"
#include "sha256.hpp"
#include "throttle.hpp"

#include <thread>
#include <utility>
#include <vector>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;

/// Longest single sleep while waiting for bandwidth, so a stop request is
/// noticed quickly.
constexpr auto wait_slice = std::chrono::milliseconds{100};

/// Body pieces are gathered up to this size before one pwrite (libcurl
/// hands them over in 16 KiB pieces).
constexpr size_t write_buffer_size = 1 << 20;

/// One run of the download; the fetch handler of every request it makes.
class transfer_run : public fetch_handler {
public:
  transfer_run(const transfer_spec& spec, const transfer_settings& settings,
               transfer_observer& observer, response_takeover* takeover)
      : spec_(spec),
        settings_(settings),
        observer_(observer),
        takeover_(takeover) {
    // libcurl's own limit lets a socket buffer's worth through at once;
    // pacing the writes as well keeps the average exact.
    if (spec.rate_limit_bps > 0)
      job_bucket_.emplace(
          spec.rate_limit_bps,
          std::max<int64_t>(spec.rate_limit_bps / 10, int64_t{16} * 1024));
  }

  transfer_result run();

  bool on_head(const response_head& head) override;
  bool on_body(const char* data, size_t size) override;
  bool on_tick() override;

private:
  enum class verdict {
    none,
    complete,
    refetch,
    failed,
    stopped,
    io_error,
    handed_over
  };

  bool open_file();
  bool reset_to_zero(bool counts_as_restart = true);
  bool wait_for_bandwidth(token_bucket* bucket, size_t bytes);
  bool flush();
  void drop_buffer();
  bool sync_now();
  void maybe_sync();
  bool fail(verdict v, bool transient, std::string error);
  transfer_result finish(transfer_outcome outcome);
  transfer_result verify();
  bool hashing() const {
    return !spec_.sha256.empty();
  }
  /// Feeds bytes that were just written, in file order, into the hash.
  void hash_written(const char* data, size_t size) {
    if (hashing())
      hash_.update(data, size);
  }

  const transfer_spec& spec_;
  const transfer_settings& settings_;
  transfer_observer& observer_;
  response_takeover* takeover_;    ///< asked once, for a 206 from zero
  fetch_handler* taken_ = nullptr; ///< the response's handler once taken
  transfer_result result_;
  std::optional<part_file> file_;
  std::optional<token_bucket> job_bucket_; ///< per-job limit, if any
  sha256 hash_;
  speed_meter speed_;
  std::vector<char> buffer_; ///< received, not yet written (fixed capacity)
  int64_t position_ = 0;     ///< next byte to receive (written + buffered)
  int64_t total_ = -1;       ///< size of the file being written, -1 unknown
  std::string validator_;    ///< validator of the data on disk
  int64_t resumed_total_ = -1;
  int64_t asked_last_ = -1; ///< last byte the current request asked for
  verdict verdict_ = verdict::none;
  clock::time_point last_sync_{};
  int64_t synced_ = -1;
};

bool transfer_run::fail(verdict v, bool transient, std::string error) {
  verdict_ = v;
  result_.transient = transient;
  result_.error = std::move(error);
  result_.local = v == verdict::io_error;
  return false;
}

bool transfer_run::open_file() {
  int64_t part_size = part_file::existing_size(spec_.paths.part_path);
  auto plan = plan_resume(part_size, spec_.bytes_done, spec_.validator);
  std::string error;
  file_ = part_file::create(spec_.paths, plan.offset, &error, spec_.job_id);
  if (!file_)
    return fail(verdict::io_error, true, error);
  position_ = file_->kept();
  result_.resumed = plan.kind;
  if (position_ > 0) {
    validator_ = spec_.validator;
    resumed_total_ =
        spec_.bytes_total >= 0 ? spec_.bytes_total : spec_.expected_size;
    total_ = resumed_total_;
    if (hashing() && !file_->hash_prefix(position_, hash_, &error))
      return fail(verdict::io_error, true, error);
    if (hashing())
      result_.bytes_read_back += position_;
  } else if (plan.kind == resume_kind::range) {
    result_.resumed = resume_kind::restart; // the data vanished meanwhile
  }
  return sync_now();
}

bool transfer_run::reset_to_zero(bool counts_as_restart) {
  buffer_.clear();
  std::string error;
  if (!file_->truncate(0, &error))
    return fail(verdict::io_error, true, error);
  position_ = 0;
  total_ = -1;
  resumed_total_ = -1;
  validator_.clear();
  hash_.reset();
  if (counts_as_restart)
    result_.resumed = resume_kind::restart;
  return sync_now();
}

bool transfer_run::flush() {
  if (buffer_.empty())
    return true;
  // The lease is checked right before every write: once it has lapsed,
  // another worker may own the job and nothing more is written.
  if (!observer_.may_continue()) {
    verdict_ = verdict::stopped;
    drop_buffer();
    return false;
  }
  std::string error;
  auto at = position_ - static_cast<int64_t>(buffer_.size());
  if (!file_->write_at(buffer_.data(), buffer_.size(), at, &error))
    return fail(verdict::io_error, true, error);
  hash_written(buffer_.data(), buffer_.size());
  buffer_.clear();
  return true;
}

void transfer_run::drop_buffer() {
  position_ -= static_cast<int64_t>(buffer_.size());
  buffer_.clear();
}

bool transfer_run::sync_now() {
  std::string error;
  if (!file_->sync(&error))
    return fail(verdict::io_error, true, error);
  last_sync_ = clock::now();
  int64_t written = position_ - static_cast<int64_t>(buffer_.size());
  if (synced_ != written || result_.state.validator != validator_ ||
      result_.state.bytes_total != total_) {
    synced_ = written;
    result_.state = durable_state{written, total_, validator_};
    observer_.on_durable(result_.state);
  }
  return true;
}

void transfer_run::maybe_sync() {
  if (clock::now() - last_sync_ >= settings_.sync_interval && flush())
    sync_now();
}

bool transfer_run::on_head(const response_head& head) {
  if (takeover_ && position_ == 0 && head.status == 206) {
    taken_ = std::exchange(takeover_, nullptr)->take(head, file_);
    if (taken_) {
      verdict_ = verdict::handed_over;
      return taken_->on_head(head);
    }
  }
  // `Range: bytes=0-` of an empty file is unsatisfiable: the file is
  // complete as it is (a request without Range would have had a 200).
  if (takeover_ && position_ == 0 && head.status == 416 && head.range &&
      head.range->total == 0) {
    total_ = 0;
    verdict_ = verdict::complete;
    return false;
  }
  takeover_ = nullptr; // only the first answer is offered
  request_facts facts;
  facts.offset = position_;
  facts.sent_validator = position_ > 0 ? validator_ : std::string{};
  facts.resumed_total = resumed_total_;
  facts.expected_size = spec_.expected_size;
  facts.asked_last = asked_last_;
  auto decision = classify_response(head, facts);
  switch (decision.action) {
  case response_action::write_from_zero:
    if (!reset_to_zero())
      return false;
    [[fallthrough]];
  case response_action::write_from_offset:
    total_ = decision.total >= 0 ? decision.total : resumed_total_;
    if (position_ == 0 || validator_.empty())
      validator_ = head.validator;
    speed_.start(position_, clock::now());
    observer_.on_started(position_, total_);
    return sync_now();
  case response_action::complete:
    total_ = decision.total;
    verdict_ = verdict::complete;
    return false;
  case response_action::refetch_from_zero:
    verdict_ = verdict::refetch;
    result_.error = decision.reason;
    return false;
  case response_action::fail_permanent:
    return fail(verdict::failed, false, decision.reason);
  case response_action::fail_transient:
    return fail(verdict::failed, true, decision.reason);
  }
  return false;
}

bool transfer_run::wait_for_bandwidth(token_bucket* bucket, size_t bytes) {
  if (!bucket)
    return true;
  auto wait = bucket->reserve(static_cast<int64_t>(bytes));
  auto until = clock::now() + wait;
  while (clock::now() < until) {
    if (!observer_.may_continue()) {
      bucket->refund(static_cast<int64_t>(bytes));
      verdict_ = verdict::stopped;
      return false;
    }
    std::this_thread::sleep_for(
        std::min<clock::duration>(until - clock::now(), wait_slice));
  }
  return true;
}

bool transfer_run::on_body(const char* data, size_t size) {
  if (taken_)
    return taken_->on_body(data, size);
  if (!wait_for_bandwidth(job_bucket_ ? &*job_bucket_ : nullptr, size) ||
      !wait_for_bandwidth(settings_.provider_bucket, size) ||
      !wait_for_bandwidth(settings_.bucket, size))
    return false;
  if (!observer_.may_continue()) {
    verdict_ = verdict::stopped;
    return false;
  }
  if (buffer_.size() + size > write_buffer_size && !flush())
    return false;
  if (size >= write_buffer_size) {
    // Too big to gather: written at once (the lease was checked above).
    std::string error;
    if (!file_->write_at(data, size, position_, &error))
      return fail(verdict::io_error, true, error);
    hash_written(data, size);
  } else {
    buffer_.insert(buffer_.end(), data, data + size);
  }
  position_ += static_cast<int64_t>(size);
  auto now = clock::now();
  speed_.update(position_, now);
  observer_.on_progress(static_cast<int64_t>(size), position_, total_,
                        speed_.bytes_per_second());
  maybe_sync();
  return verdict_ == verdict::none;
}

bool transfer_run::on_tick() {
  if (taken_)
    return taken_->on_tick();
  if (!observer_.may_continue()) {
    verdict_ = verdict::stopped;
    return false;
  }
  speed_.update(position_, clock::now());
  maybe_sync();
  return verdict_ == verdict::none;
}

transfer_result transfer_run::finish(transfer_outcome outcome) {
  // Bytes not yet written when a transfer stops are dropped: after a stop
  // (or a lapsed lease) nothing more may be written. After a failure they
  // are kept if the lease still allows it, so a retry resumes after them.
  if (outcome == transfer_outcome::failed && file_ &&
      verdict_ != verdict::io_error)
    flush();
  drop_buffer();
  if (file_ && outcome != transfer_outcome::completed)
    sync_now();
  // A failure that left nothing behind leaves no empty .part either.
  if (file_ && outcome == transfer_outcome::failed && position_ == 0 &&
      file_->size() == 0)
    file_->remove_if_current();
  result_.outcome = outcome;
  result_.file = std::move(file_);
  return std::move(result_);
}

transfer_result transfer_run::verify() {
  if (!flush())
    return finish(verdict_ == verdict::stopped ? transfer_outcome::stopped
                                               : transfer_outcome::failed);
  if (!sync_now())
    return finish(transfer_outcome::failed);
  int64_t size = file_->size();
  std::string mismatch;
  for (int64_t expected : {total_, spec_.expected_size})
    if (expected >= 0 && size != expected)
      mismatch = "size mismatch: " + std::to_string(size) + " bytes on disk, " +
                 std::to_string(expected) + " expected";
  if (mismatch.empty() && hashing()) {
    result_.sha256 = hash_.hex_digest();
    if (result_.sha256 != spec_.sha256)
      mismatch = "sha256 mismatch: got " + result_.sha256 + ", expected " +
                 spec_.sha256;
  }
  if (!mismatch.empty()) {
    // The bytes cannot be trusted: the next attempt starts from zero.
    reset_to_zero(false);
    fail(verdict::failed, true, mismatch);
    return finish(transfer_outcome::failed);
  }
  result_.state = durable_state{size, size, validator_};
  observer_.on_durable(result_.state);
  return finish(transfer_outcome::completed);
}

transfer_result transfer_run::run() {
  if (!open_file())
    return finish(transfer_outcome::failed);
  buffer_.reserve(write_buffer_size);
  fetch_request req;
  req.url = spec_.url;
  req.user_agent = settings_.user_agent;
  req.connect_timeout = settings_.connect_timeout;
  req.stall_timeout = settings_.stall_timeout;
  req.max_recv_bps = spec_.rate_limit_bps;
  req.policy = settings_.policy;
  for (int attempt = 0;; ++attempt) {
    req.range_from = position_;
    req.open_range = takeover_ != nullptr && position_ == 0;
    req.range_to = asked_last_ =
        req.open_range ? takeover_->first_length() - 1 : -1;
    req.if_range = position_ > 0 ? validator_ : std::string{};
    verdict_ = verdict::none;
    auto fetched = fetch(req, *this);
    switch (verdict_) {
    case verdict::handed_over:
      result_.handed_over = true;
      result_.outcome = transfer_outcome::stopped;
      return std::move(result_); // the taker has the `.part` now
    case verdict::complete:
      return verify();
    case verdict::refetch:
      if (attempt > 0 || !reset_to_zero()) {
        fail(verdict::failed, true, result_.error);
        return finish(transfer_outcome::failed);
      }
      continue;
    case verdict::failed:
    case verdict::io_error:
      return finish(transfer_outcome::failed);
    case verdict::stopped:
      return finish(transfer_outcome::stopped);
    case verdict::none:
      break;
    }
    if (fetched.status == fetch_status::finished)
      return verify();
    if (fetched.status ==
        fetch_status::stopped) // handler said no without a verdict
      return finish(transfer_outcome::stopped);
    fail(verdict::failed,
         fetched.status == fetch_status::failed && fetched.transient,
         fetched.error);
    return finish(transfer_outcome::failed);
  }
}

} // namespace

transfer_result run_transfer(const transfer_spec& spec,
                             const transfer_settings& settings,
                             transfer_observer& observer,
                             response_takeover* takeover) {
  transfer_run run{spec, settings, observer, takeover};
  return run.run();
}

} // namespace kumo::downloader
