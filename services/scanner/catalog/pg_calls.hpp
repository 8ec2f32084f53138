#pragma once

// The transaction shapes the scanner's stores share (catalog_store,
// feed_store): a transaction whose body answers a kumo error as a value,
// and a write whose failure is logged rather than returned.

#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/store.hpp"

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>
#include <utility>

namespace kumo::scanner {

/// Runs `body` (pqxx::work& -> caf::expected<T>) in one transaction of `db`
/// and commits it. The body's own error (not_found, conflict, ...) and the
/// database's (unavailable, internal) come out alike, as the error of the
/// result. The transaction commits also when the body answers an error:
/// bodies answer errors before they change anything.
template <class F>
auto transact_expected(pg_session& db, F&& body)
    -> decltype(body(std::declval<pqxx::work&>())) {
  auto nested = db.transact(std::forward<F>(body));
  if (!nested)
    return nested.error();
  return std::move(*nested);
}

/// Runs `body` (pqxx::work& -> void) in one transaction of `db` and commits
/// it. A failure is logged as a warning `what`, with `fields` and the
/// error's message, and not returned: for writes whose loss the next round
/// repairs. Returns true when committed.
template <class F>
bool write_or_warn(pg_session& db, const char* what, nlohmann::json fields,
                   F&& body) {
  auto done = db.transact([&](pqxx::work& w) {
    body(w);
    return true;
  });
  if (done)
    return true;
  fields["error"] = message_of(done.error());
  log::warn(what, fields);
  return false;
}

} // namespace kumo::scanner
