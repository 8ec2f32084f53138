#pragma once

// The catalog's SQL for provider listings, downloads and the monitor: one
// feed_store owns one PostgreSQL connection and is used by one actor only.
// Every transaction touching a series' provider episodes holds the
// transaction-scoped advisory lock of that series, so two replicas merge
// and decide one after the other.

#include "catalog/catalog_totals.hpp"
#include "feeds/feed_plan.hpp"
#include "kumo/store.hpp"

#include <caf/expected.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace kumo::scanner {

/// A live series and its provider.
struct series_ref {
  std::int64_t id = 0;
  std::string key, name, folder, site, link;
  bool monitored = false;
};

/// Episodes picked to be queued, with their catalog ids.
struct picked_episodes {
  std::vector<std::int64_t> ids;
  std::vector<feed_episode> episodes;
  nlohmann::json not_queued =
      nlohmann::json::array(); ///< {season, episode, reason}
};

class feed_store {
public:
  explicit feed_store(std::string database_url);

  /// The catalog totals behind the scanner's gauges.
  caf::expected<catalog_totals> totals();

  /// The live series `key`, or not_found (field `key`).
  caf::expected<series_ref> series(const std::string& key);

  /// Merges a provider listing into the series' episodes (upsert by
  /// season/episode: provider = true, title, air date, guid; sources
  /// replaced; new rows `missing`, marked fresh when the series was listed
  /// before and is monitored). Episodes absent from the listing are kept.
  /// With `decide`, also picks, in the same transaction, the fresh missing
  /// episodes not yet auto-queued (and those an earlier round decided but
  /// never saw accepted for `resend_after`), writes their auto_queued_at and
  /// state `queued`, and returns them in `picked`. Answers the counts
  /// {listed, added, updated, skipped, skipped_reasons}.
  caf::expected<nlohmann::json> merge(const series_ref& s,
                                      const numbered_listing& listing,
                                      bool decide, picked_episodes& picked,
                                      std::chrono::seconds resend_after);

  /// Records a failed provider check on the series (the catalog is not
  /// otherwise changed).
  void record_error(std::int64_t series_id, const std::string& why);

  /// Picks the episodes a download asks for (`asked` empty: every missing
  /// provider episode with a source) and moves missing ones to `queued`.
  /// Asked episodes that are unknown, on disk or without a source go to
  /// `not_queued` with the reason; queued and downloading ones are sent
  /// again (the queue answers which are active).
  caf::expected<picked_episodes>
  pick_for_download(const series_ref& s,
                    const std::vector<std::pair<int, int>>& asked);

  /// After a refused or failed add: `ids` still `queued` go back to
  /// `missing`; with `auto_round`, their auto_queued_at is cleared so the
  /// next round tries again.
  void revert(const std::vector<std::int64_t>& ids, bool auto_round);

  /// After the queue accepted an automatic add: auto_added_at of `ids`.
  void confirm(const std::vector<std::int64_t>& ids);

  /// Claims the monitored series with a provider whose check is due
  /// (checked_at + (check_interval_s or `interval`) passed, or never
  /// checked): sets their checked_at, skipping rows another replica is
  /// claiming. At most `limit` series. `all`: every monitored series with
  /// a provider is due.
  caf::expected<std::vector<series_ref>>
  claim_due(std::chrono::seconds interval, int limit, bool all = false);

private:
  pg_session db_;
};

/// Takes the transaction-scoped advisory lock of series `id`'s provider
/// episodes (see the class comment).
void lock_feed_series(pqxx::work& w, std::int64_t id);

/// Fills out.episodes (with their sources) for out.ids.
void load_picked_episodes(pqxx::work& w, picked_episodes& out);

} // namespace kumo::scanner
