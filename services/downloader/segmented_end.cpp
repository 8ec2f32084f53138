#include "segment_map_file.hpp"
#include "segmented_run.hpp"

// How a segmented download ends: the lanes joined, then the file verified,
// or the reason it stopped reported (see segmented_run.hpp).

namespace kumo::downloader {

namespace {

/// Bytes hashed per call while the coordinator catches up at the end.
constexpr int64_t hash_slice = int64_t{8} << 20;

} // namespace

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
  if (broken_)
    return fail(true, error_, true);
  if (fallback_) {
    remove_segment_map(spec_.paths, file_->inode());
    return fail(true, "ranges refused");
  }
  if (failed) {
    record(); // keep what arrived for the retry
    return fail(failed->transient(), failed->error(), failed->local());
  }
  return verify();
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

transfer_result segmented_run::fail(bool transient, std::string error,
                                    bool local) {
  result_.outcome = transfer_outcome::failed;
  result_.transient = transient;
  result_.error = std::move(error);
  result_.local = local;
  if (!transient && file_)
    remove_segment_map(spec_.paths, file_->inode());
  result_.file = std::move(file_);
  return std::move(result_);
}

std::string segmented_run::size_mismatch(int64_t size) const {
  std::string mismatch;
  for (int64_t expected : {map_.total, spec_.expected_size})
    if (expected >= 0 && size != expected)
      mismatch = "size mismatch: " + std::to_string(size) + " bytes on disk, " +
                 std::to_string(expected) + " expected";
  return mismatch;
}

transfer_result segmented_run::verify() {
  if (!record())
    return stopped_ ? end_stopped() : fail(true, error_, true);
  int64_t size = file_->size();
  auto mismatch = size_mismatch(size);
  if (mismatch.empty() && !spec_.sha256.empty()) {
    while (hashed() < size)
      if (!hash_ready(hash_slice))
        return fail(true, error_, true);
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

} // namespace kumo::downloader
