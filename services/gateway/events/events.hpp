#pragma once

// Configuration of GET /api/events (Server-Sent Events).

#include "kumo/config.hpp"

#include <chrono>
#include <cstddef>
#include <vector>

namespace kumo::gateway {

struct events_config {
  size_t replay = 4096; ///< events kept for resumption
  std::chrono::milliseconds keepalive{
      15'000};               ///< comment after this much silence
  size_t max_clients = 1000; ///< concurrent streams; beyond: 503
  size_t backlog = 1024;     ///< events queued per stream before it is cut off
  std::chrono::milliseconds retry{3'000}; ///< reconnect delay hinted to clients
  std::chrono::milliseconds snapshot_timeout{
      2'000}; ///< deadline of the init snapshot
};

/// The sse_* options of the gateway.
std::vector<option> events_options();

/// Reads the sse_* options; an option missing from `cfg` keeps its default.
events_config events_config_from(const settings& cfg);

} // namespace kumo::gateway
