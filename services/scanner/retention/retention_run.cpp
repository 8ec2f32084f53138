#include "retention/retention_run.hpp"

#include "catalog/file_episodes.hpp"
#include "catalog/file_remove.hpp"
#include "kumo/log.hpp"
#include "kumo/store.hpp"

#include <algorithm>
#include <set>

namespace kumo::scanner {

namespace {

using json = nlohmann::json;

/// Files of live series with a rule, with the first episode each holds.
const char* const files_sql =
    "SELECT f.id, s.id, s.key, s.root, f.path, f.size,"
    " extract(epoch FROM f.mtime)::bigint, s.keep_last, f.season,"
    " (SELECT min(n) FROM unnest(f.episodes) n), CASE WHEN f.season IS NULL"
    " THEN (SELECT min(a) FROM unnest(f.absolutes) a) END"
    " FROM scanner_files f JOIN scanner_series s ON s.id = f.series_id"
    " WHERE s.deleted_at IS NULL AND s.keep_last IS NOT NULL";

/// The episodes of series $1 the removed file held (season $2 or '',
/// episodes $3, absolutes $4) that no other file holds.
#define KUMO_EPISODES_LEFT                                                     \
  " e.series_id = $1 AND ((e.season = NULLIF($2, '')::int AND e.episode ="     \
  " ANY ($3::int[])) OR e.absolute = ANY ($4::int[])) AND NOT EXISTS (SELECT"  \
  " 1 FROM scanner_files f WHERE f.series_id = e.series_id AND "               \
  "" KUMO_FILE_HOLDS_EPISODE ")"

const char* const usage_sql =
    "SELECT coalesce(sum(f.size), 0) FROM scanner_files f"
    " JOIN scanner_series s ON s.id = f.series_id WHERE s.deleted_at IS NULL";

template <class T>
std::optional<T> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<T>(f.as<T>());
}

library_file read_file(const pqxx::row& r, const library_roots& roots) {
  library_file f;
  f.file_id = r[0].as<std::int64_t>();
  f.series_id = r[1].as<std::int64_t>();
  f.series_key = r[2].as<std::string>();
  f.root = r[3].as<std::string>();
  if (f.root.empty())
    f.root = roots.main;
  f.path = r[4].as<std::string>();
  f.size = r[5].as<std::int64_t>();
  f.mtime_s = r[6].as<std::int64_t>();
  f.keep_last = opt<int>(r[7]);
  f.season = opt<int>(r[8]);
  f.episode = opt<int>(r[9]);
  f.absolute = opt<int>(r[10]);
  return f;
}

std::string number_text(const std::optional<int>& n) {
  return n ? std::to_string(*n) : std::string();
}

bool served(const library_roots& roots, const std::string& root) {
  auto all = roots.all();
  return !root.empty() && std::find(all.begin(), all.end(), root) != all.end();
}

/// Drops the removed file's catalog row, its episodes as a scan would
/// (missing when the provider lists them, gone otherwise), and records the
/// eviction in the series' history.
void record_removal(pqxx::work& w, const eviction& e) {
  const auto& f = e.file;
  w.exec_params("INSERT INTO scanner_series_history (series_id, action, season,"
                " episode, path, bytes, reason) VALUES ($1, 'evicted',"
                " NULLIF($2, '')::int, NULLIF($3, '')::int, $4, $5, $6)",
                f.series_id, number_text(f.season), number_text(f.episode),
                f.path, f.size, e.reason);
  auto gone = w.exec_params("DELETE FROM scanner_files WHERE id = $1 RETURNING"
                            " coalesce(season::text, ''), episodes::text,"
                            " absolutes::text",
                            f.file_id);
  if (gone.empty())
    return;
  auto season = gone[0][0].as<std::string>();
  auto episodes = gone[0][1].as<std::string>();
  auto absolutes = gone[0][2].as<std::string>();
  w.exec_params("UPDATE scanner_episodes e SET state = 'missing', updated_at ="
                " now() WHERE e.provider AND e.state = 'on_disk' AND"
                "" KUMO_EPISODES_LEFT,
                f.series_id, season, episodes, absolutes);
  w.exec_params("DELETE FROM scanner_episodes e WHERE NOT e.provider AND"
                " e.state IN ('on_disk', 'missing') AND" KUMO_EPISODES_LEFT,
                f.series_id, season, episodes, absolutes);
}

/// The files of series with a rule in the roots served here, and the
/// library's usage, read in one transaction.
struct library_snapshot {
  std::vector<library_file> files;
  std::int64_t used = 0;
};

caf::expected<library_snapshot> read_library(pg_session& db,
                                             const library_roots& roots) {
  return db.transact([&](pqxx::work& w) {
    library_snapshot s;
    for (const auto& row : w.exec(files_sql)) {
      auto f = read_file(row, roots);
      if (served(roots, f.root))
        s.files.push_back(std::move(f));
    }
    s.used = w.exec(usage_sql)[0][0].as<std::int64_t>();
    return s;
  });
}

/// Removes one planned file and records it; counts the outcome. True when
/// the file is gone and dropped from the catalog.
bool remove_planned(pg_session& db, const eviction& e, retention_outcome& out) {
  const auto& f = e.file;
  auto r = remove_library_files(f.root, {f.path}, "");
  if (r.removed != 1) {
    (r.refused > 0 ? out.refused : out.failed)++;
    log::warn("file kept: it cannot be removed safely",
              {{"key", f.series_key},
               {"path", f.path},
               {"reason", e.reason},
               {"refused", r.refused > 0}});
    return false;
  }
  auto saved = db.transact([&](pqxx::work& w) {
    record_removal(w, e);
    return true;
  });
  if (!saved) {
    ++out.failed;
    log::warn("file removed but not dropped from the catalog",
              {{"key", f.series_key}, {"path", f.path}});
    return false;
  }
  ++out.evicted;
  out.bytes += f.size;
  log::info("episode file evicted", {{"key", f.series_key},
                                     {"path", f.path},
                                     {"bytes", f.size},
                                     {"reason", e.reason}});
  return true;
}

} // namespace

json retention_outcome::summary(const storage_limits& limits) const {
  return {{"evicted", evicted},
          {"bytes", bytes},
          {"refused", refused},
          {"failed", failed},
          {"used_bytes", used_bytes},
          {"limit_bytes", limits.limit_bytes},
          {"evict_when_full", limits.evict_when_full}};
}

storage_limits limits_from_config(const json& doc) {
  storage_limits out;
  if (!doc.is_object() || !doc.contains("library") ||
      !doc["library"].is_object())
    return out;
  const auto& lib = doc["library"];
  auto limit = lib.find("storage_limit_bytes");
  if (limit != lib.end() && limit->is_number_integer() &&
      limit->get<std::int64_t>() > 0)
    out.limit_bytes = limit->get<std::int64_t>();
  auto evict = lib.find("evict_when_full");
  out.evict_when_full = evict != lib.end() && evict->is_number_integer() &&
                        evict->get<std::int64_t>() == 1;
  return out;
}

caf::expected<retention_outcome> run_retention(const std::string& database_url,
                                               const library_roots& roots,
                                               const storage_limits& limits) {
  pg_session db{database_url};
  auto first = read_library(db, roots);
  if (!first)
    return first.error();
  retention_outcome out;
  std::set<std::int64_t> kept; ///< refused or failed: not candidates again
  for (const auto& e : plan_retention(first->files))
    if (!remove_planned(db, e, out))
      kept.insert(e.file.file_id);
  // The eviction sees the library as the retention left it.
  auto second = read_library(db, roots);
  if (!second)
    return second.error();
  std::vector<library_file> candidates;
  for (auto& f : second->files)
    if (kept.count(f.file_id) == 0)
      candidates.push_back(std::move(f));
  auto used = second->used;
  for (const auto& e : plan_storage_eviction(candidates, used, limits))
    if (remove_planned(db, e, out))
      used -= e.file.size;
  out.used_bytes = used;
  return out;
}

} // namespace kumo::scanner
