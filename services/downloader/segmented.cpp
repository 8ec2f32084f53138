#include "segmented.hpp"

#include "segment_map_file.hpp"
#include "segmented_run.hpp"

#include <memory>
#include <thread>

namespace kumo::downloader {

namespace {

/// A fresh download's first connection asks for `Range: bytes=0-<n - 1>`
/// (first_request_length()). When the 206 shows a file worth splitting
/// (size, validator), that answer becomes the start of segment 0, written
/// into the `.part` the transfer already made, and the other segments start
/// at once; otherwise the transfer keeps it as its one connection.
class first_segment_opener : public response_takeover {
public:
  first_segment_opener(const transfer_spec& spec,
                       const transfer_settings& settings,
                       transfer_observer& observer)
      : spec_(spec),
        settings_(settings),
        observer_(observer),
        length_(first_request_length(spec.expected_size, settings.segments)) {}

  int64_t first_length() const override {
    return length_;
  }

  fetch_handler* take(const response_head& head,
                      std::optional<part_file>& file) override {
    if (!head.range || head.range->first != 0 ||
        head.range->last != length_ - 1 || head.validator.empty())
      return nullptr;
    int64_t total = head.range->total;
    if (!should_segment(total, true, settings_.segments) ||
        (spec_.expected_size >= 0 && spec_.expected_size != total))
      return nullptr; // one connection (which also reports a wrong size)
    segment_map map{spec_.job_id, head.validator, total, 0,
                    plan_after_first(total, length_, settings_.segments)};
    run_ = std::make_unique<segmented_run>(spec_, settings_, observer_,
                                           std::move(map), false);
    if (!run_->begin(true, std::exchange(file, std::nullopt))) {
      early_ = run_->open_failed();
      return &refuse_;
    }
    watcher_ = std::thread([r = run_.get()] { r->watch(); });
    return &run_->first_lane().adopt(head.range->last);
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
  int64_t length_;
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
                              transfer_observer& observer, segment_map map) {
  segmented_run segmented{spec, settings, observer, std::move(map), true};
  auto result = segmented.run();
  if (!segmented.fallback())
    return result;
  result.file.reset();
  return start_over(spec, settings, observer);
}

/// A fresh download that may be split: see first_segment_opener.
transfer_result run_fresh(const transfer_spec& spec,
                          const transfer_settings& settings,
                          transfer_observer& observer) {
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

} // namespace

transfer_result run_download(const transfer_spec& spec,
                             const transfer_settings& settings,
                             transfer_observer& observer) {
  const auto& policy = settings.segments;
  if (policy.max_connections <= 1)
    return run_transfer(spec, settings, observer);
  if (auto map = usable_map(spec))
    return run_segmented(spec, settings, observer, *std::move(map));
  auto resume = plan_resume(part_file::existing_size(spec.paths.part_path),
                            spec.bytes_done, spec.validator);
  if (resume.offset > 0 || (spec.expected_size >= 0 &&
                            !should_segment(spec.expected_size, true, policy)))
    return run_transfer(spec, settings, observer);
  return run_fresh(spec, settings, observer);
}

} // namespace kumo::downloader
