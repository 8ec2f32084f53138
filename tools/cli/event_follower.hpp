#pragma once

#include "args.hpp"
#include "http_client.hpp"
#include "sse_parser.hpp"

#include <functional>
#include <optional>
#include <string>

namespace kumo::cli {

/// Follows `/api/events?rooms=<rooms>` until told to stop: parses the
/// stream incrementally, hands every event to `on_event` and reconnects
/// (with Last-Event-ID, after the server's `retry:` delay) when the stream
/// ends. `on_event` returns nullopt to go on or the exit code to finish
/// with. `on_tick` runs about ten times a second (redraws, resizes, checks
/// by other means); it too returns nullopt to go on or the exit code.
///
/// Returns 0 on SIGINT/SIGTERM (see install_interrupt_handlers), 4 on 401,
/// 3 after 5 connection attempts in a row without an answer, 1 on any
/// other refusal (after reporting it on stderr).
exit_code follow_events(
    const http_client& client, const std::string& rooms,
    const std::function<std::optional<exit_code>(const sse_event&)>& on_event,
    const std::function<std::optional<exit_code>()>& on_tick,
    const std::function<void(const std::string&)>& on_notice);

} // namespace kumo::cli
