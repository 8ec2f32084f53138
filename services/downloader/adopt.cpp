#include "adopt.hpp"

#include "file_tag.hpp"
#include "part_file.hpp"
#include "sha256.hpp"

#include <cerrno>
#include <sys/stat.h>

namespace kumo::downloader {

namespace {

bool size_agrees(int64_t size, int64_t known) {
  return known < 0 || size == known;
}

} // namespace

bool is_own_download(const final_file_facts& facts,
                     const adopt_expectation& expected) {
  if (facts.size < 0 || !size_agrees(facts.size, expected.declared_size))
    return false;
  if (!expected.declared_sha256.empty())
    return facts.sha256 == expected.declared_sha256;
  if (expected.job_id.empty() || facts.owner != expected.job_id)
    return false;
  if (facts.tagged_size != std::to_string(facts.size))
    return false; // changed since its commit, or committed by an older version
  if (!expected.recorded_validator.empty() &&
      facts.validator != expected.recorded_validator)
    return false;
  return expected.recorded_total <= 0 || facts.size == expected.recorded_total;
}

std::optional<final_file_facts> inspect_final(const std::string& path,
                                              bool with_sha256) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0)
    return errno == ENOENT
               ? std::nullopt
               : std::optional<final_file_facts>{final_file_facts{}};
  final_file_facts facts;
  if (!S_ISREG(st.st_mode))
    return facts;
  facts.owner = read_tag(path, job_tag);
  facts.validator = read_tag(path, validator_tag);
  facts.tagged_size = read_tag(path, size_tag);
  facts.size = static_cast<int64_t>(st.st_size);
  if (with_sha256) {
    sha256 hash;
    int64_t hashed = 0;
    std::string error;
    if (!hash_file(path, hash, &hashed, &error))
      return final_file_facts{};
    facts.size = hashed;
    facts.sha256 = hash.hex_digest();
  }
  return facts;
}

} // namespace kumo::downloader
