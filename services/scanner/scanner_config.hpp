#pragma once

// The scanner's own options (docs/library.md, "Configuration").

#include "catalog/library_roots.hpp"
#include "kumo/config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kumo::scanner {

struct scanner_config {
  library_roots roots;
  std::chrono::milliseconds scan_interval{0}; ///< 0: start and on demand only
  bool watch = true;
};

/// library_root, library_roots_extra, scan_interval, scan_watch.
std::vector<option> scanner_options();

/// Checks the roots: absolute paths, no "." or ".." component, a trailing
/// '/' dropped, no root twice or inside another. Returns the error naming
/// the option, or nullopt and fills `out`.
std::optional<config_error> parse_roots(const std::string& main,
                                        const std::string& extra,
                                        library_roots& out);

/// Reads every scanner option; the error names the option.
std::optional<config_error> parse_scanner_config(const settings& values,
                                                 scanner_config& out);

} // namespace kumo::scanner
