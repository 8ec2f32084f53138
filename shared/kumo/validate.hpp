#pragma once

// Checks of identifiers and text that arrive from outside, shared by the
// gateway (first line of defence) and the services behind it (which never
// trust the gateway).

#include <string_view>

namespace kumo {

/// A series key: lowercase letters and digits in words joined by single
/// hyphens ("attack-on-titan", "86-eighty-six"), 1..255 bytes.
bool is_series_key(std::string_view text);

/// A UUID in 8-4-4-4-12 hex form (any letter case).
bool is_uuid(std::string_view text);

/// True when `text` holds C0 controls, DEL, or C1 controls (U+0080..U+009F
/// encoded as UTF-8).
bool has_control_chars(std::string_view text);

} // namespace kumo
