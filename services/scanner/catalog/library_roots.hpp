#pragma once

#include <string>
#include <vector>

namespace kumo::scanner {

/// The library roots a replica serves: `main` (new series go there) first.
struct library_roots {
  std::string main;               ///< "" when no library is configured
  std::vector<std::string> extra; ///< scanned, never written by downloads
  /// Every root, main first; empty entries left out.
  std::vector<std::string> all() const {
    std::vector<std::string> out;
    if (!main.empty())
      out.push_back(main);
    for (const auto& r : extra)
      if (!r.empty())
        out.push_back(r);
    return out;
  }
};

} // namespace kumo::scanner
