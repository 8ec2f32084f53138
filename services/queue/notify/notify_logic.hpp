#pragma once

// Notifications, pure part: what a target is and which values it accepts,
// which events exist, how a delivery becomes an HTTP call (webhook body and
// signature, Jellyfin/Emby and Plex library refreshes) and when a failed
// delivery is tried again. No CAF, NATS or pqxx here.

#include "kumo/address_policy.hpp"
#include "kumo/result.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::queue::notify {

/// Events a target can subscribe to ("test" is sent by "send test" only).
const std::vector<std::string>& event_names();

/// A notification target as stored. `secret` is the webhook's HMAC key,
/// the Jellyfin/Emby API key or the Plex token; it never leaves the queue
/// (see to_public_json) and is never logged.
struct target {
  std::string id;
  std::string name;
  std::string kind = "webhook"; ///< webhook, jellyfin, plex
  std::string url;
  std::string secret;
  std::string section;             ///< Plex library section id
  std::vector<std::string> events; ///< empty: every event
  bool enabled = true;
};

/// Applies a create (`create`: name, kind, url and secret required) or an
/// update (every field optional; an absent field keeps `base`'s value) to
/// `base` and checks the result: name 1..100 bytes, kind webhook|jellyfin|
/// plex, url http(s) without user info whose literal address `policy`
/// permits, secret 1..512 bytes, section digits (required for plex), events
/// known names, enabled a boolean. A failure names the field and changes
/// nothing.
result<target> merge_target(target base, const nlohmann::json& body,
                            bool create, const address_policy& policy);

/// The target as the API shows it: the secret replaced by "<redacted>".
nlohmann::json to_public_json(const target& t);

/// One delivery to make, as claimed.
struct delivery {
  std::string id; ///< idempotency key, the same on every attempt
  std::string event;
  nlohmann::json payload = nlohmann::json::object();
  std::string created_at; ///< ISO 8601, fixed at enqueue time
  int attempts = 0;       ///< including this one
  int64_t age_ms = 0;     ///< since it was enqueued
};

/// An HTTP request ready to send.
struct http_call {
  std::string method;    ///< POST or GET
  std::string url;       ///< may hold a token (Plex): never log it
  std::string shown_url; ///< the URL fit for logs and the delivery log
  std::vector<std::string> headers; ///< "Name: value"
  std::string body;
};

/// Lowercase hex HMAC-SHA256 of `body` under `key`.
std::string hmac_sha256_hex(const std::string& key, const std::string& body);

/// The body of a webhook delivery: {"id", "event", "created_at", "data"}.
/// The same for every attempt of one delivery.
std::string webhook_body(const delivery& d);

/// The call for `d` to `t`: a webhook POSTs webhook_body with
/// X-Kumo-Signature "sha256=<hmac>", X-Kumo-Timestamp (`unix_now`),
/// X-Kumo-Event and X-Kumo-Delivery; jellyfin POSTs {url}/Library/Refresh
/// with X-Emby-Token; plex GETs {url}/library/sections/{section}/refresh
/// with the token as X-Plex-Token query parameter.
http_call build_call(const target& t, const delivery& d, int64_t unix_now);

/// When failed deliveries are tried again, and for how long.
struct retry_rules {
  int64_t base_delay_ms = 5'000;    ///< before the second attempt
  int64_t max_delay_ms = 3'600'000; ///< cap of the doubling delay
  int max_attempts = 10;
  int64_t max_age_ms = 86'400'000; ///< no new attempt after this age
};

/// The delay before the next attempt after `attempts` failed ones:
/// base * 2^(attempts-1), capped at max_delay_ms.
int64_t retry_delay_ms(int attempts, const retry_rules& rules);

/// True when a delivery failed for good after `attempts` attempts: no
/// attempt left, or the next one would start after max_age_ms.
bool gives_up(int attempts, int64_t age_ms, const retry_rules& rules);

/// True for a response status that counts as delivered (2xx).
bool is_delivered(long status);

} // namespace kumo::queue::notify
