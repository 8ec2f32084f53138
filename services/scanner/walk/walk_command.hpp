#pragma once

#include <ostream>
#include <string>

namespace kumo::scanner {

/// `kumo-scanner walk <root>`: walks `root` (see walk_library) and writes one
/// JSON object per series folder to `out`, one per line, sorted by folder:
/// folder, name, year, complete, episodes (path, season, episodes, absolute,
/// special, air_date, size, mtime_ns, resolution, group, source) and unparsed.
/// Then one JSON object with the walk's counters to `err`. Returns the exit
/// code: 0, or 1 when the root cannot be opened or writing `out` failed.
int run_walk_command(const std::string& root, std::ostream& out,
                     std::ostream& err);

} // namespace kumo::scanner
