// series_add, series_update and scan_cancel.

#include "catalog/catalog_plan.hpp"
#include "catalog/catalog_store.hpp"
#include "catalog/replies.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

struct new_series {
  std::string key, name, folder, root, site, link;
  std::optional<int> year;
  std::optional<int> check_interval_s;
  bool monitored = false;
};

std::string year_text(const std::optional<int>& year) {
  return year ? std::to_string(*year) : "";
}

caf::expected<new_series> from_unmatched(pqxx::work& w,
                                         const scanner_request& req) {
  auto rows = w.exec_params(
      "SELECT root, folder, name, year FROM scanner_unmatched"
      " WHERE folder = $1 AND ($2 = '' OR root = $2) ORDER BY root",
      req.from_unmatched, req.root);
  if (rows.empty())
    return field_error(errc::not_found, "from_unmatched",
                       "no unmatched folder '" + req.from_unmatched + "'");
  if (rows.size() > 1)
    return field_error(errc::invalid_argument, "root",
                       "folder '" + req.from_unmatched +
                           "' is unmatched in several roots; name the root");
  new_series s;
  s.root = rows[0][0].as<std::string>();
  s.folder = rows[0][1].as<std::string>();
  s.name = rows[0][2].as<std::string>();
  if (!rows[0][3].is_null())
    s.year = rows[0][3].as<int>();
  s.key = series_slug(s.name, s.year);
  return s;
}

new_series from_fields(const scanner_request& req, const library_roots& r) {
  const auto& f = req.fields;
  new_series s;
  s.name = *f.name;
  s.year = f.year.value_or(std::nullopt);
  s.folder = f.folder.value_or(default_folder(s.name, s.year));
  s.key = f.key.value_or(series_slug(s.name, s.year));
  s.root = r.main;
  s.site = f.site.value_or("");
  s.link = f.link.value_or("");
  s.monitored = f.monitored.value_or(false);
  s.check_interval_s = f.check_interval_s.value_or(std::nullopt);
  return s;
}

caf::expected<json> series_add(pqxx::work& w, const scanner_request& req,
                               const library_roots& roots) {
  caf::expected<new_series> made = req.from_unmatched.empty()
                                       ? from_fields(req, roots)
                                       : from_unmatched(w, req);
  if (!made)
    return made.error();
  const auto& s = *made;
  if (!valid_folder(s.folder))
    return field_error(errc::invalid_argument, "folder",
                       "'" + s.folder + "' is not a valid folder name");
  auto taken = w.exec_params(
      "SELECT key, folder = $2 FROM scanner_series WHERE deleted_at IS NULL"
      " AND (key = $1 OR folder = $2) ORDER BY folder = $2 LIMIT 1",
      s.key, s.folder);
  if (!taken.empty()) {
    bool folder = taken[0][1].as<bool>();
    auto field = folder ? "folder" : "key";
    return field_error(
        errc::conflict, req.from_unmatched.empty() ? field : "from_unmatched",
        std::string(folder ? "folder '" + s.folder : "key '" + s.key) +
            "' is taken by series '" + taken[0][0].as<std::string>() + "'");
  }
  w.exec_params(
      "INSERT INTO scanner_series (key, name, year, folder, site, "
      "link, monitored, root, check_interval_s) VALUES ($1, $2,"
      " NULLIF($3, '')::int, $4, $5, $6, $7, $8, NULLIF($9, '')::int)",
      s.key, s.name, year_text(s.year), s.folder, s.site, s.link, s.monitored,
      s.root, year_text(s.check_interval_s));
  w.exec_params("DELETE FROM scanner_unmatched WHERE folder = $1", s.folder);
  return series_summary(w, s.key);
}

caf::expected<json> series_update(pqxx::work& w, const scanner_request& req) {
  const auto& f = req.fields;
  auto flag = [](const std::optional<bool>& b) {
    return b ? (*b ? "true" : "false") : "";
  };
  auto rows = w.exec_params(
      "UPDATE scanner_series SET"
      " name = CASE WHEN $2 THEN $3 ELSE name END,"
      " year = CASE WHEN $4 THEN NULLIF($5, '')::int ELSE year END,"
      " monitored = CASE WHEN $6 = '' THEN monitored ELSE $6 = 'true' END,"
      " site = CASE WHEN $7 THEN $8 ELSE site END,"
      " link = CASE WHEN $9 THEN $10 ELSE link END,"
      " check_interval_s = CASE WHEN $11 THEN NULLIF($12, '')::int ELSE"
      " check_interval_s END,"
      " keep_last = CASE WHEN $13 THEN NULLIF($14, '')::int ELSE"
      " keep_last END, updated_at = now()"
      " WHERE key = $1 AND deleted_at IS NULL RETURNING id",
      req.key, f.name.has_value(), f.name.value_or(""), f.year.has_value(),
      year_text(f.year.value_or(std::nullopt)), flag(f.monitored),
      f.site.has_value(), f.site.value_or(""), f.link.has_value(),
      f.link.value_or(""), f.check_interval_s.has_value(),
      year_text(f.check_interval_s.value_or(std::nullopt)),
      f.keep_last.has_value(), year_text(f.keep_last.value_or(std::nullopt)));
  if (rows.empty())
    return field_error(errc::not_found, "key",
                       "no series with key '" + req.key + "'");
  return series_summary(w, req.key);
}

json scan_cancel(pqxx::work& w) {
  auto rows = w.exec(std::string("UPDATE scanner_scans c SET "
                                 "cancel_requested = true WHERE ") +
                     scan_live_sql + " RETURNING " + scan_sql + "::text");
  if (rows.empty())
    return {{"cancelled", false}, {"scan", nullptr}};
  return {{"cancelled", true}, {"scan", json::parse(rows[0][0].c_str())}};
}

} // namespace

caf::expected<json> write_request(pqxx::work& w, const scanner_request& req,
                                  const library_roots& roots) {
  switch (req.kind) {
  case op::series_add:
    return series_add(w, req, roots);
  case op::series_update:
    return series_update(w, req);
  case op::scan_cancel:
    return scan_cancel(w);
  default:
    return make_error(errc::internal, "not a write request");
  }
}

} // namespace kumo::scanner
