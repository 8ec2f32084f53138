#pragma once

// The downloader's settings, read once at start-up from the service
// configuration and checked beyond what the schema can express.

#include "disk_guard.hpp"
#include "hls_options.hpp"
#include "kumo/address_policy.hpp"
#include "kumo/config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kumo::downloader {

struct downloader_options {
  std::string library_root;      ///< real path of an existing directory
  int jobs = 2;                  ///< parallel downloads of this worker
  int64_t worker_rate_limit = 0; ///< bytes/s over all jobs, 0: unlimited
  std::chrono::milliseconds claim_interval{2'000};
  std::vector<cidr> fetch_allow; ///< networks opened despite the SSRF rules
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{30'000};
  /// connect_timeout or stall_timeout was set: they hold for every
  /// provider; otherwise a provider's runtime timeout_s replaces them.
  bool timeouts_set = false;
  std::string user_agent;
  int64_t segment_min_size = int64_t{16} << 20; ///< smaller: one connection
  int max_connections = 4; ///< per download, for providers not configured
  std::chrono::milliseconds request_timeout{5'000};
  std::chrono::milliseconds shutdown_grace{20'000};
  std::string worker;   ///< this worker's name (the instance)
  media_settings media; ///< hls and ytdlp sources
  disk_floor disk;      ///< free space every download leaves on the library
};

/// The downloader's options, in addition to every service's common ones.
std::vector<option> option_schema();

/// Reads and checks the options. The library root must exist and be a
/// directory; the allowlist must parse. A failure names the option (field)
/// and, in one line, the value and what was expected.
result<downloader_options> read_options(const settings& cfg);

} // namespace kumo::downloader
