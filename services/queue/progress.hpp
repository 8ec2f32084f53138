#pragma once

// The progress events the queue publishes (kumo.progress.queue and
// kumo.progress.download), built from store results.

#include "kumo/wire.hpp"
#include "model.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace kumo::queue {

/// A lifecycle change the queue decided for one item, published after the
/// transaction that made it committed.
struct lifecycle_change {
  queue_item item;    ///< the item after the change
  std::string status; ///< completed, failed, cancelled, paused or pending
  nlohmann::json metadata = nlohmann::json::object();
};

/// kumo.progress.download: id "download:<item id>", key/folder/title of the
/// series episode, bytes done/total, the change's status and metadata (plus
/// "item_status" and "error" when there is one).
wire::progress_update download_update(const lifecycle_change& change);

/// kumo.progress.queue: id "download_queue", kind "queue", status
/// "in_progress", metadata {"action", "queue_status": {"counts",
/// "is_running", "is_paused"}}.
wire::progress_update queue_update(const std::string& action,
                                   const status_counts& counts,
                                   const queue_flags& flags);

} // namespace kumo::queue
