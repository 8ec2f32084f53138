#include "store_storage.hpp"

namespace kumo::queue::detail {

namespace {

/// The size an item is known to have: its announced total, else its
/// source's declared size (-1: unknown).
#define KUMO_KNOWN_SIZE                                                        \
  "CASE WHEN bytes_total > 0 THEN bytes_total ELSE source_size END"

const char* const storage_lock_sql =
    "SELECT pg_advisory_xact_lock(hashtext('kumo.queue.storage_limit'))";

/// Whole files of the downloads under way: their .part files are not in
/// the catalog's usage yet, and their final files will be.
const char* const reserve_sql =
    "SELECT coalesce(sum(greatest(" KUMO_KNOWN_SIZE ", 0)), 0)"
    " FROM queue_items WHERE status = 'downloading'";

/// The sizes of the next claimable items, in claim order.
const char* const next_sizes_sql =
    "SELECT " KUMO_KNOWN_SIZE " FROM queue_items"
    " WHERE status = 'pending' AND not_before <= now()"
    " ORDER BY priority DESC, queued_at, seq LIMIT $1";

#undef KUMO_KNOWN_SIZE

} // namespace

int storage_claim_slots(pqxx::work& w, const storage_gate* gate, int slots) {
  if (gate == nullptr || slots <= 0)
    return slots;
  auto view = gate->view();
  auto limit = view.claim_limit();
  if (limit <= 0)
    return slots;
  w.exec(storage_lock_sql);
  auto reserve = w.exec(reserve_sql)[0][0].as<std::int64_t>();
  std::vector<std::int64_t> sizes;
  for (const auto& row : w.exec_params(next_sizes_sql, slots))
    sizes.push_back(row[0].as<std::int64_t>());
  return storage_slots(view.used_bytes, reserve, limit, sizes);
}

} // namespace kumo::queue::detail
