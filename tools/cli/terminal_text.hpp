#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kumo::cli {

/// Text made safe to print on a terminal: control characters (C0, DEL, C1
/// and ESC sequences with them) become '?', and so does every byte of
/// invalid UTF-8. Valid UTF-8 is kept as is.
std::string sanitize_for_terminal(std::string_view text);

/// Columns the (sanitized) UTF-8 text takes on a terminal: East Asian wide
/// characters and most emoji count 2, combining marks 0, others 1.
std::size_t display_width(std::string_view text);

/// The longest prefix of `text` (sanitized first) that fits in `columns`,
/// ending with "…" when something was cut and there is room for it, then
/// padded with spaces to exactly `columns` when `pad` is set.
std::string fit_to_width(std::string_view text, std::size_t columns,
                         bool pad = false);

/// "512 B", "1.5 KiB", "12.0 MiB", "3.20 GiB".
std::string human_bytes(double bytes);

/// "0:05", "12:34", "1:02:03"; "--:--" for a negative or unknown value.
std::string human_duration(std::int64_t seconds);

} // namespace kumo::cli
