#pragma once

// Downloads one file into its `.part` with safe resumption, then verifies
// it. Blocking and single-threaded: runs on a job's own thread. Everything
// around it (leases, reports, progress) reaches it through the observer.

#include "http_fetch.hpp"
#include "kumo/address_policy.hpp"
#include "part_file.hpp"
#include "resume.hpp"
#include "safe_path.hpp"
#include "segment_plan.hpp"
#include "token_bucket.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace kumo::downloader {

/// What to download, and what earlier attempts left behind.
struct transfer_spec {
  std::string url;
  std::string job_id; ///< tags the .part (see part_owner())
  target_paths paths;
  int64_t bytes_done = 0;     ///< durable offset recorded by the queue
  int64_t bytes_total = -1;   ///< total size recorded with that offset
  std::string validator;      ///< validator recorded with that offset
  int64_t expected_size = -1; ///< size promised by the source
  std::string sha256;         ///< expected digest (normalized), "" for none
  int64_t rate_limit_bps = 0; ///< per-job limit, 0: none
};

struct transfer_settings {
  std::string user_agent;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{30'000};
  std::chrono::milliseconds sync_interval{1'000}; ///< fsync cadence
  const address_policy* policy = nullptr;         ///< REQUIRES: not null
  token_bucket* bucket = nullptr;                 ///< worker-wide limit or null
  token_bucket* provider_bucket = nullptr; ///< the source provider's, or null
  segment_policy segments;                 ///< when to split (segmented.hpp)
};

/// What survives a crash: offset, total and validator after an fsync.
struct durable_state {
  int64_t bytes_done = 0;
  int64_t bytes_total = -1;
  std::string validator;
};

class transfer_observer {
public:
  virtual ~transfer_observer() = default;

  /// Asked before every write and regularly while waiting; false stops the
  /// transfer at once (pause, cancel, lost or expired lease, shutdown).
  virtual bool may_continue() = 0;

  /// After every fsync, and whenever the partial file is reset.
  virtual void on_durable(const durable_state& state) = 0;

  /// The server accepted: data starts flowing at `offset`.
  virtual void on_started(int64_t offset, int64_t total) = 0;

  /// `written` new bytes are on disk; `current` in total so far.
  virtual void on_progress(int64_t written, int64_t current, int64_t total,
                           int64_t speed_bps) = 0;
};

enum class transfer_outcome : uint8_t {
  completed, ///< the .part holds the whole, verified file (synced)
  stopped,   ///< may_continue() said no; the .part is synced
  failed,    ///< see `transient` and `error`
};

struct transfer_result {
  transfer_outcome outcome = transfer_outcome::failed;
  bool transient = true;
  std::string error;
  bool local = false;  ///< failed on our side (disk, files), not the source's
  durable_state state; ///< the durable state at the end
  std::string sha256;  ///< digest of the file, when one was expected
  /// Bytes read back from the `.part` to hash them (a resumed prefix, or
  /// segments written ahead of the in-order hash); 0 for a download hashed
  /// entirely as its bytes were written.
  int64_t bytes_read_back = 0;
  resume_kind resumed = resume_kind::fresh; ///< how the data was continued
  std::optional<part_file> file; ///< open partial file (absent if never opened)
  /// The first response went to a response_takeover: nothing else of this
  /// result holds (outcome `stopped`, no file); the taker has the download.
  bool handed_over = false;
};

/// Lets the caller of a fresh download take its first response over (the
/// segmented download makes that connection its first segment, so learning
/// the size and range support costs no request of its own).
class response_takeover {
public:
  virtual ~response_takeover() = default;

  /// Bytes the first request asks for: `Range: bytes=0-<n - 1>`. REQUIRES:
  /// > 0.
  virtual int64_t first_length() const = 0;

  /// Called at most once, with the head of a 206 answering the first
  /// request of a download that starts from zero, and the transfer's
  /// `.part` (new, empty, tagged). Returns the handler for this whole
  /// response, head included, or null to leave it to the transfer; a taker
  /// may move the file out, then it is its own. Once taken, the transfer
  /// writes nothing more and reports nothing more to the observer.
  virtual fetch_handler* take(const response_head& head,
                              std::optional<part_file>& file) = 0;
};

/// Runs the download. Resumes from min(.part size, bytes_done) with Range and
/// If-Range when a validator is known; accepts a 206 only at exactly that
/// offset; a 200 restarts the file; a 416 with everything on disk completes
/// it; an unusable partial answer is refetched once from zero. Verifies the
/// size against every known total and the sha256 when one is expected.
/// The sha256 covers the bytes on disk: every buffer is hashed right after
/// the pwrite that put it there, and a kept prefix is read back from the
/// file once when the transfer opens it.
/// With a `takeover`, a download from zero asks for the takeover's first
/// bytes (`Range: bytes=0-<n - 1>`) and offers a 206 answer to it (see
/// response_takeover); an answer not taken that covers only those bytes of
/// a larger file is asked again without Range.
transfer_result run_transfer(const transfer_spec& spec,
                             const transfer_settings& settings,
                             transfer_observer& observer,
                             response_takeover* takeover = nullptr);

} // namespace kumo::downloader
