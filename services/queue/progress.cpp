#include "progress.hpp"

namespace kumo::queue {

wire::progress_update download_update(const lifecycle_change& change) {
  const auto& item = change.item;
  wire::progress_update u;
  u.id = "download:" + item.id;
  u.kind = "download";
  u.status = change.status;
  u.title = display_title(item);
  u.current = item.bytes_done;
  u.total = item.bytes_total;
  u.percent = progress_percent(item);
  u.key = item.serie_id;
  u.folder = item.serie_folder;
  u.message = item.error;
  u.metadata =
      change.metadata.is_object() ? change.metadata : nlohmann::json::object();
  u.metadata["item_status"] = to_string(item.status);
  u.metadata["season"] = item.season;
  u.metadata["episode"] = item.episode;
  if (!item.error.empty())
    u.metadata["error"] = item.error;
  return u;
}

wire::progress_update queue_update(const std::string& action,
                                   const status_counts& counts,
                                   const queue_flags& flags) {
  wire::progress_update u;
  u.id = "download_queue";
  u.kind = "queue";
  u.status = "in_progress";
  u.title = "Download queue";
  auto all = complete_counts(counts);
  auto status = to_json(flags);
  status["counts"] = all;
  u.current = all["completed"];
  int64_t total = 0;
  for (const auto& [name, n] : all)
    if (name != "cancelled")
      total += n;
  u.total = total;
  u.metadata = {{"action", action}, {"queue_status", status}};
  return u;
}

} // namespace kumo::queue
