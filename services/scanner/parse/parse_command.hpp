#pragma once

#include <istream>
#include <ostream>

namespace kumo::scanner {

/// `kumo-scanner parse`: reads one name per line from `in` (a trailing '\r'
/// is dropped; bytes past max_name_bytes of a line are ignored) and writes
/// one JSON object per line to `out`, in order (see to_json). `out` is
/// flushed whenever no more input is buffered, so a caller can write one
/// name and wait for its answer. Returns the process exit code: 0, or 1 when
/// writing failed.
int run_parse_command(std::istream& in, std::ostream& out);

} // namespace kumo::scanner
