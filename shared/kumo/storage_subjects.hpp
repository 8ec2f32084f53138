#pragma once

// NATS subjects of the library's storage usage (docs/operations.md,
// "Storage: limit, retention and eviction").

namespace kumo::subjects {

/// The library's used bytes, published by the scanner after every scan,
/// every retention run and periodically: {"used_bytes", "files"?}. The
/// queue's storage gate follows it.
constexpr const char* library_usage = "kumo.library.usage";

/// Request (queue group "scanner"): the same document, asked by a queue at
/// start.
constexpr const char* scanner_usage = "kumo.scanner.cmd.usage";

} // namespace kumo::subjects
