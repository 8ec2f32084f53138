#pragma once

// The scanner's own options (docs/library.md, "Configuration").

#include "catalog/library_roots.hpp"
#include "kumo/address_policy.hpp"
#include "kumo/config.hpp"
#include "kumo/result.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace kumo::scanner {

struct scanner_config {
  library_roots roots;
  std::chrono::milliseconds scan_interval{0}; ///< 0: start and on demand only
  bool watch = true;
  bool auto_add = true; ///< scan_auto_add
  /// Period of provider checks of monitored series (0: no monitor); a
  /// series' check_interval_s overrides it.
  std::chrono::milliseconds monitor_interval{3'600'000};
  std::chrono::milliseconds feed_timeout{15'000}; ///< one provider request
  std::vector<cidr> fetch_allow;                  ///< fetch_allow_cidrs
};

/// library_root, library_roots_extra, scan_interval, scan_watch,
/// scan_auto_add,
/// monitor_interval, feed_timeout, fetch_allow_cidrs.
std::vector<option> scanner_options();

/// Checks the roots: absolute paths, no "." or ".." component, a trailing
/// '/' dropped, no root twice or inside another. A failure names the
/// option in its `field`.
result<library_roots> parse_roots(const std::string& main,
                                  const std::string& extra);

/// Reads every scanner option; a failure names the option.
result<scanner_config> parse_scanner_config(const settings& values);

} // namespace kumo::scanner
