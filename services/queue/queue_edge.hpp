#pragma once

// The bus edge of the queue service (see queue_edge_actor in actors.hpp).

#include "actors.hpp"

namespace kumo::queue {

/// Decodes one bus message into a typed request, or the sentence naming
/// its offending field. Pure: no actor involved.
result<command> decode_request(const bus_message& msg,
                               const queue_settings& cfg);

/// Spawns the edge for `queue`, linked to the calling actor `parent`.
queue_edge_actor spawn_queue_edge(caf::local_actor* parent, queue_settings cfg,
                                  bus_actor bus, queue_actor queue);

} // namespace kumo::queue
