#include "media_output.hpp"

#include "hls_job.hpp"
#include "hls_remux.hpp"
#include "media_verify.hpp"

namespace kumo::downloader {

namespace {

transfer_result failed(std::string error, bool transient, bool local) {
  transfer_result r;
  r.outcome = transfer_outcome::failed;
  r.error = std::move(error);
  r.transient = transient;
  r.local = local;
  return r;
}

} // namespace

transfer_result complete_media_output(const std::string& output,
                                      const transfer_spec& spec,
                                      transfer_observer& observer) {
  std::string digest;
  auto mismatch =
      verify_declared(output, {spec.expected_size, spec.sha256}, &digest);
  if (!mismatch.empty())
    return failed(mismatch, false, false);
  if (part_file::existing_size(output) <= 0)
    return failed("the tool wrote no output file", true, false);
  std::string error;
  auto file = adopt_output(output, spec.paths, spec.job_id, &error);
  if (!file)
    return failed(error, true, true);
  transfer_result done;
  done.outcome = transfer_outcome::completed;
  done.sha256 = digest;
  done.state = {file->size(), file->size(), {}};
  observer.on_durable(done.state);
  done.file = std::move(file);
  remove_media_workdir(spec.paths, spec.job_id);
  return done;
}

} // namespace kumo::downloader
