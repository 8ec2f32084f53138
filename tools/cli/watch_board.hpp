#pragma once

#include "progress_bar.hpp"
#include "sse_parser.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::cli {

/// The state behind `kumo queue --watch`: one row per download, filled from
/// `GET /api/queue/status` and kept current by `/api/events` (rooms
/// `downloads` and `download_progress`). Pure: no I/O, no clock.
class watch_board {
public:
  /// Adds or refreshes rows from a queue status document (active, paused
  /// and pending lists; other lists are left out).
  void load_queue(const nlohmann::json& status);

  /// Applies one event; returns true when a row changed. Events with
  /// malformed JSON, an unknown type or a record that is not a download are
  /// ignored (false), counted in `ignored()`.
  bool apply(const sse_event& event);

  /// The rows, in the order they first appeared.
  const std::vector<bar_state>& rows() const {
    return rows_;
  }

  /// The screen: one rendered line per row (at most `max_rows`; a last
  /// line "... N more" when rows are left out), each within `width`.
  std::vector<std::string> render(std::size_t width,
                                  std::size_t max_rows) const;

  /// Ids of the rows the last `apply` changed (for line-per-change output).
  const std::vector<std::string>& touched() const {
    return touched_;
  }

  std::size_t ignored() const {
    return ignored_;
  }

private:
  bar_state& row(const std::string& id);
  bool apply_record(const std::string& type, const nlohmann::json& record);

  std::vector<bar_state> rows_;
  std::vector<std::string> touched_;
  std::size_t ignored_ = 0;
};

/// A download's item id from an event record's id ("download:<uuid>"), or
/// empty when the record is not about a download.
std::string item_id_of_record(const nlohmann::json& record);

} // namespace kumo::cli
