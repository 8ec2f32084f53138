// import_legacy: the legacy data files of every root, planned against the
// catalog's live series and written in one transaction.

#include "catalog/catalog_store.hpp"
#include "legacy/legacy_plan.hpp"
#include "legacy/legacy_reader.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

/// Every data file of `roots`, and the root each folder was found in (the
/// first root, as the plan reads them in that order).
struct found_files {
  std::vector<legacy::found_data> found;
  std::map<std::string, std::string> root_of;
};

found_files read_roots(const std::vector<std::string>& roots) {
  found_files out;
  for (const auto& root : roots) {
    auto scan = legacy::read_legacy_data({root});
    for (auto& f : scan.found) {
      out.root_of.emplace(f.folder, root);
      out.found.push_back(std::move(f));
    }
  }
  return out;
}

/// The live series with the episodes a provider (or a data file) listed.
legacy::catalog_map load_catalog(pqxx::work& w) {
  legacy::catalog_map out;
  for (const auto& r : w.exec("SELECT key, name, site, folder FROM "
                              "scanner_series WHERE deleted_at IS NULL"))
    out[r[0].as<std::string>()] = {r[1].as<std::string>(),
                                   r[2].as<std::string>(),
                                   r[3].as<std::string>(),
                                   {}};
  for (const auto& r : w.exec(
           "SELECT s.key, e.season, e.episode FROM scanner_episodes e"
           " JOIN scanner_series s ON s.id = e.series_id"
           " WHERE s.deleted_at IS NULL AND e.provider AND e.season IS NOT NULL"
           " ORDER BY s.key, e.season, e.episode"))
    out[r[0].as<std::string>()].episodes[r[1].as<int>()].push_back(
        r[2].as<int>());
  return out;
}

/// Marks the episodes of `r` as listed by the provider: new rows are
/// `missing`, rows the scanner found on disk keep their state.
void write_episodes(pqxx::work& w, std::int64_t series_id,
                    const legacy::legacy_record& r) {
  for (const auto& [season, episodes] : r.episodes)
    for (int episode : episodes)
      w.exec_params(
          "INSERT INTO scanner_episodes (series_id, season, episode, state,"
          " provider) VALUES ($1, $2, $3, 'missing', true)"
          " ON CONFLICT (series_id, season, episode) WHERE season IS NOT NULL"
          " DO UPDATE SET provider = true, updated_at = now()",
          series_id, season, episode);
}

void write_plan(pqxx::work& w, const legacy::legacy_plan& plan,
                const found_files& files) {
  for (const auto& r : plan.insert) {
    auto id = w.exec_params1(
        "INSERT INTO scanner_series (key, name, folder, site, root)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        r.key, r.name, r.folder, r.site, files.root_of.at(r.folder));
    write_episodes(w, id[0].as<std::int64_t>(), r);
  }
  for (const auto& r : plan.update) {
    auto id = w.exec_params1(
        "UPDATE scanner_series SET updated_at = now() WHERE key = $1"
        " AND deleted_at IS NULL RETURNING id",
        r.key);
    write_episodes(w, id[0].as<std::int64_t>(), r);
  }
}

json reasons(const std::vector<legacy::folder_reason>& list) {
  auto out = json::array();
  for (const auto& f : list)
    out.push_back({{"folder", f.folder}, {"reason", f.reason}});
  return out;
}

json report(const legacy::legacy_plan& plan) {
  auto keys = [](const std::vector<legacy::legacy_record>& list) {
    auto out = json::array();
    for (const auto& r : list)
      out.push_back(r.key);
    return out;
  };
  return {{"imported", keys(plan.insert)},
          {"updated", keys(plan.update)},
          {"unchanged", plan.unchanged},
          {"skipped", reasons(plan.skipped)},
          {"broken", reasons(plan.broken)}};
}

} // namespace

caf::expected<json> catalog_store::import_legacy() {
  auto files = read_roots(roots_.all());
  return db_.transact([&](pqxx::work& w) {
    // One import at a time across replicas: a second one waits and then
    // plans against what the first wrote.
    w.exec("SELECT pg_advisory_xact_lock(hashtext('kumo.scanner.legacy'))");
    auto plan = legacy::plan_legacy_import(files.found, load_catalog(w));
    write_plan(w, plan, files);
    return report(plan);
  });
}

} // namespace kumo::scanner
