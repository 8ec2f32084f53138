#pragma once

// The contract of kumo.queue.cmd.status (GET /api/queue/status): one page
// per item list, in a stable order (priority high first, then queued_at,
// then insertion order: the order jobs are claimed in), continued by an
// opaque cursor the queue hands out.

#include "kumo/contracts/fields.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kumo::contracts {

namespace status_limits {
constexpr int64_t default_limit = 50; ///< items per list and page
constexpr int64_t max_limit = 200;    ///< a reply stays well under 1 MB
constexpr size_t max_cursor_bytes = 200;
} // namespace status_limits

/// The lists of a status reply, by their reply key.
enum class status_list : uint8_t { active, pending, paused, completed, failed };

constexpr std::array<status_list, 5> all_status_lists{
    status_list::active, status_list::pending, status_list::paused,
    status_list::completed, status_list::failed};

/// "active_downloads", "pending_queue", ...: the key of the list in the reply.
const char* reply_key(status_list list);

/// "active", "pending", ...: the query parameter prefix ("pending_cursor").
const char* short_name(status_list list);

/// "downloading", "pending", ...: the item status the list holds.
const char* item_status_of(status_list list);

/// Where a page starts: after the item with this sort key.
struct status_cursor {
  int rank = 1;          ///< priority 0..2
  std::string queued_at; ///< "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC)
  int64_t seq = 0;       ///< insertion order, >= 1
};

/// The opaque text form handed to clients.
std::string encode_cursor(const status_cursor& c);

/// Decodes a cursor; refuses anything encode_cursor did not produce.
parsed<status_cursor> decode_cursor(const std::string& text,
                                    const std::string& path);

struct status_request {
  int64_t limit = status_limits::default_limit; ///< 1..max_limit
  std::map<status_list, status_cursor> after;   ///< lists not from the start
};

/// Reads the bus form {"limit": n, "cursors": {"pending_queue": "..."}}.
parsed<status_request> parse_status(const nlohmann::json& body);

/// Reads HTTP query parameters: limit, <short_name>_cursor (e.g.
/// pending_cursor). Unknown parameters are ignored; a repeated one refused.
parsed<status_request>
parse_status_query(const std::multimap<std::string, std::string>& params);

/// The bus form; the default limit and absent cursors are left out, so a
/// plain request is {}.
nlohmann::json to_json(const status_request& req);

} // namespace kumo::contracts
