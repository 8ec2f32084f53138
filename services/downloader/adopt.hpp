#pragma once

// Whether a file found at a job's final path is that job's own download
// (committed by an earlier run that died before the queue heard
// "completed"), and may be adopted instead of downloading again. Anything
// else at the final path is someone else's: it is never adopted and never
// overwritten.

#include "safe_path.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace kumo::downloader {

/// What a job knows about the file it should produce.
struct adopt_expectation {
  std::string job_id;
  int64_t declared_size = -1;     ///< promised by the source, -1: none
  std::string declared_sha256;    ///< normalized, "" for none
  int64_t recorded_total = -1;    ///< total the queue recorded for this job
  std::string recorded_validator; ///< validator the queue recorded
};

/// What is on disk at the final path.
struct final_file_facts {
  int64_t size = -1;                    ///< -1: no regular file there
  std::string sha256;                   ///< only when one was declared
  std::optional<std::string> owner;     ///< job tag
  std::optional<std::string> validator; ///< validator tag
  std::optional<std::string> tagged_size;
};

/// True when the file is provably this job's download:
/// - the source declares a sha256: the digest matches, and so does the
///   declared size when there is one (the content itself proves it);
/// - otherwise the file carries this job's tag and the size recorded at its
///   commit, the validator tag equals the one the queue recorded (when it
///   recorded one), and the size agrees with every known total.
bool is_own_download(const final_file_facts& facts,
                     const adopt_expectation& expected);

/// Reads the facts about `path` (the digest only when `with_sha256`).
/// nullopt when nothing is there; a file that cannot be read, a directory
/// or a symlink yields facts with size -1 (never adopted).
std::optional<final_file_facts> inspect_final(const std::string& path,
                                              bool with_sha256);

} // namespace kumo::downloader
