#include "catalog/catalog_store.hpp"

#include "catalog/file_remove.hpp"
#include "catalog/pg_calls.hpp"
#include "catalog/replies.hpp"
#include "kumo/log.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

struct deleted_series {
  std::string root, folder;
  std::vector<std::string> paths;
};

} // namespace

catalog_store::catalog_store(std::string database_url, library_roots roots)
    : db_(std::move(database_url)), roots_(std::move(roots)) {}

caf::expected<json> catalog_store::execute(const scanner_request& req) {
  try {
    switch (req.kind) {
    case op::series_list:
    case op::series_get:
    case op::scan_status:
    case op::unmatched:
    case op::usage:
    case op::series_history:
    case op::episode_sources:
      return read(req);
    case op::series_delete:
      return delete_series(req);
    case op::import_legacy:
      return import_legacy();
    default:
      return write(req);
    }
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

caf::expected<json> catalog_store::read(const scanner_request& req) {
  return transact_expected(db_,
                           [&](pqxx::work& w) { return read_request(w, req); });
}

caf::expected<json> catalog_store::write(const scanner_request& req) {
  auto out = transact_expected(
      db_, [&](pqxx::work& w) { return write_request(w, req, roots_); });
  // A concurrent add of the same key or folder loses at the unique index.
  if (!out && code_of(out.error()) == errc::internal &&
      message_of(out.error()).find("unique") != std::string::npos)
    return field_error(errc::conflict, "key",
                       "the key or folder was taken meanwhile");
  return out;
}

caf::expected<json> catalog_store::delete_series(const scanner_request& req) {
  auto done = transact_expected(
      db_, [&](pqxx::work& w) -> caf::expected<deleted_series> {
        auto rows = w.exec_params(
            "UPDATE scanner_series SET deleted_at = now(), updated_at = now()"
            " WHERE key = $1 AND deleted_at IS NULL RETURNING id, root, "
            "folder",
            req.key);
        if (rows.empty())
          return field_error(errc::not_found, "key",
                             "no series with key '" + req.key + "'");
        deleted_series d;
        d.root = rows[0][1].as<std::string>();
        d.folder = rows[0][2].as<std::string>();
        if (!req.delete_files)
          return d;
        auto files = w.exec_params(
            "DELETE FROM scanner_files WHERE series_id = $1 RETURNING path",
            rows[0][0].as<std::int64_t>());
        for (const auto& f : files)
          d.paths.push_back(f[0].as<std::string>());
        return d;
      });
  if (!done)
    return done.error();
  int removed = 0;
  auto root = done->root.empty() ? roots_.main : done->root;
  if (req.delete_files && !root.empty()) {
    auto r = remove_library_files(root, done->paths, done->folder);
    removed = r.removed;
    if (r.refused + r.failed > 0)
      log::warn(
          "series files not removed",
          {{"key", req.key}, {"refused", r.refused}, {"failed", r.failed}});
  }
  return json{{"deleted", req.key}, {"files_removed", removed}};
}

} // namespace kumo::scanner
