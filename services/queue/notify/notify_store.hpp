#pragma once

// Notifications in PostgreSQL (tables of sql/005_notify.sql): targets,
// the delivery queue and its log. `enqueue` runs inside a caller's
// transaction, so a delivery is recorded with the state change it reports;
// notify_store owns a connection of its own for the API and the sender.

#include "kumo/store.hpp"
#include "notify_logic.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace kumo::queue::notify {

/// Adds one delivery of `event` per enabled target subscribed to it, in
/// the open transaction `w`. `key` identifies the event ("" for a fresh
/// one): an event recorded twice with one key is delivered once.
void enqueue(pqxx::work& w, const std::string& event,
             const nlohmann::json& payload, const std::string& key = {});

/// A claimed delivery: what to send, to whom, under which lease.
struct claimed {
  delivery what;
  target to;
  std::string lease_token;
  int64_t unix_now = 0; ///< database time of the claim
};

/// How an attempt ended.
struct attempt_result {
  long status = 0;   ///< HTTP status, 0 when no response came
  std::string error; ///< "" when delivered
};

class notify_store {
public:
  notify_store(std::string database_url, address_policy policy,
               retry_rules rules);

  /// Runs one API operation (list, create, update, delete, test,
  /// deliveries) on its request body. Returns the reply object, or
  /// {"error": {"code", "message", "field"?}}.
  nlohmann::json handle(const std::string& op, const nlohmann::json& body);

  /// Records an event received over the bus. False when the database
  /// could not be reached (the event is then lost for this replica).
  bool record(const std::string& event, const nlohmann::json& payload,
              const std::string& key);

  /// Claims up to `limit` due deliveries (pending, or sending under an
  /// expired lease) with SKIP LOCKED; each gets a fresh lease of
  /// `lease_ms` and one more attempt.
  std::vector<claimed> claim(int limit, int64_t lease_ms);

  /// Ends an attempt under its lease: delivered, pending again after the
  /// backoff, or failed for good (retry_rules). A lease taken over since
  /// changes nothing.
  void finish(const claimed& c, const attempt_result& r);

private:
  nlohmann::json run(const std::string& op, pqxx::work& w,
                     const nlohmann::json& body);

  pg_session db_;
  address_policy policy_;
  retry_rules rules_;
};

} // namespace kumo::queue::notify
