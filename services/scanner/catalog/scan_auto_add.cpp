// scan_store::add_series: the series folders a scan found that no series
// claims become series of their own (scanner option scan_auto_add).

#include "catalog/catalog_plan.hpp"
#include "catalog/scan_store.hpp"

#include <tuple>

namespace kumo::scanner {

namespace {

const char* const new_series_sql =
    "CREATE TEMP TABLE IF NOT EXISTS scan_new_series (key text, name text,"
    " year int, folder text) ON COMMIT DELETE ROWS";

// ON CONFLICT without a target skips a row whose key or folder a live
// series holds (or an earlier row of this batch took). A folder whose series
// the user deleted in this root stays unmatched: a deletion is not undone
// by the next scan.
const char* const insert_sql =
    "INSERT INTO scanner_series (key, name, year, folder, root)"
    " SELECT n.key, n.name, NULLIF(n.year, 0), n.folder, $1"
    " FROM scan_new_series n"
    " WHERE NOT EXISTS (SELECT 1 FROM scanner_series d WHERE d.folder ="
    " n.folder AND d.deleted_at IS NOT NULL AND (d.root = $1 OR (d.root = ''"
    " AND $1 = $2))) ON CONFLICT DO NOTHING RETURNING id, key, folder";

bool addable(const new_folder& f) {
  return !f.name.empty() && f.name.size() <= 500 && valid_folder(f.folder) &&
         (!f.year || (*f.year >= 1880 && *f.year <= 2199));
}

} // namespace

std::vector<series_row>
scan_store::add_series(const std::string& root, const std::string& main_root,
                       const std::vector<new_folder>& folders) {
  std::vector<series_row> out;
  pqxx::work w(*conn_);
  w.exec(new_series_sql);
  {
    pqxx::stream_to in(w, "scan_new_series");
    for (const auto& f : folders) {
      if (!addable(f))
        continue;
      // No year is 0 here (NULLIF in insert_sql); years are 1880..2199.
      in << std::make_tuple(series_slug(f.name, f.year), f.name,
                            f.year.value_or(0), f.folder);
    }
    in.complete();
  }
  for (const auto& r : w.exec_params(insert_sql, root, main_root))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), root,
                   r[2].as<std::string>()});
  w.commit();
  return out;
}

} // namespace kumo::scanner
