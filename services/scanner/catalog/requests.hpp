#pragma once

// The scanner's bus requests (docs/library.md), validated. The scanner is
// the authority on its input: every field is checked here, unknown fields
// are refused, and a refused request names its field and changes nothing.
// Pure logic: nlohmann_json only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kumo::scanner {

enum class op : std::uint8_t {
  series_list,
  series_get,
  series_add,
  series_update,
  series_delete,
  rescan,
  scan_status,
  scan_cancel,
  unmatched,
  import_legacy,
  refresh,  ///< fetch the series' provider and merge its episodes
  download, ///< queue missing episodes of a series
  usage,    ///< the library's used bytes (sum of catalog file sizes)
  /// a series' history, newest first
  series_history,
  /// the series' provider and the sources it lists for asked episodes
  episode_sources,
};

/// The name of `o` as in the subject kumo.scanner.cmd.<name>.
const char* op_name(op o);

/// The fields of series_add and series_update; absent = not given.
struct series_fields {
  std::optional<std::string> name;
  std::optional<std::optional<int>> year; ///< given as null: no year
  std::optional<std::string> folder;
  std::optional<std::string> key;
  std::optional<std::string> site;
  std::optional<std::string> link;
  std::optional<bool> monitored;
  /// Seconds between provider checks of a monitored series; given as
  /// null: the global monitor_interval.
  std::optional<std::optional<int>> check_interval_s;
  /// Retention: keep the last N episode files; given as null: keep all.
  std::optional<std::optional<int>> keep_last;
};

/// series_list filters, sort and page.
struct list_query {
  std::string q;
  std::optional<bool> monitored;
  std::optional<bool> has_missing;
  std::string sort = "name"; ///< name|year|added|updated|missing
  bool descending = false;
  int limit = 50;
  int offset = 0;
};

/// One validated request.
struct scanner_request {
  op kind = op::scan_status;
  std::string key;      ///< series_get/update/delete, rescan (may be "")
  series_fields fields; ///< series_add, series_update
  list_query list;      ///< series_list
  bool delete_files = false;
  std::string from_unmatched; ///< series_add from an unmatched folder
  std::string root;           ///< with from_unmatched: its root ("" any)
  /// download: the episodes asked for as (season, episode); empty = every
  /// missing episode. episode_sources: the episodes whose sources to answer
  /// (empty: the series' provider only).
  std::vector<std::pair<int, int>> episodes;
  int history_limit = 50; ///< series_history: rows answered (1..500)
};

/// A refused request: the offending field ("" for the whole body) and why.
struct request_error {
  std::string field;
  std::string message;
};

/// Parses and validates the body of kumo.scanner.cmd.<op_text>. Returns
/// the request, or sets `error` and returns nullopt.
std::optional<scanner_request> parse_request(std::string_view op_text,
                                             std::string_view body,
                                             request_error& error);

} // namespace kumo::scanner
