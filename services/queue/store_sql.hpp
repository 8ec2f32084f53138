#pragma once

// Every SQL statement of the queue store, as named prepared statements.

#include <string>

namespace kumo::queue::sql {

struct statement {
  const char* name;
  std::string text;
};

/// The item columns in the order store rows are read, with times as
/// ISO-8601 UTC text. `table` qualifies columns where a join needs it.
std::string item_columns(const std::string& table = "");

// -- commands ---------------------------------------------------------------
extern const statement insert_items; // $1 key, $2 folder, $3 name, $4 rank, $5
                                     // episodes jsonb -> inserted rows
extern const statement select_item;  // $1 id -> item row
extern const statement
    lock_item; // $1 id -> item row + paused_by_queue, FOR UPDATE
extern const statement
    set_item_status; // $1 id, $2 status -> item row (user pause/resume/cancel)
extern const statement set_priority; // $1 id, $2 rank -> item row
extern const statement delete_item;  // $1 id
extern const statement retry_failed; // $1 all, $2 uuid[] literal -> item rows
extern const statement clear_completed;     // -> removed
extern const statement flags;               // -> running, paused
extern const statement set_running;         // $1 -> running, paused
extern const statement set_paused;          // $1 -> running, paused
extern const statement pause_running;       // -> item rows + old_owner
extern const statement resume_queue_paused; // -> item rows
extern const statement counts;              // -> status, n
extern const statement claimable; // -> n (0 unless the queue is claimable)
/// $1 status, $2 from the start, $3 after rank, $4 after queued_at, $5 after
/// seq, $6 limit -> item rows + cursor_rank, cursor_queued_at, cursor_seq, in
/// the order priority DESC, queued_at, seq (the claim order)
extern const statement list_page;
extern const statement claim_path; // $1 path, $2 key, $3 season, $4 episode
extern const statement path_owner; // $1 path -> serie_id, season, episode,
                                   // item_id, item_status
extern const statement add_event;  // $1 item ('' none), $2 event, $3 origin, $4
                                   // token, $5 worker, $6 detail
extern const statement add_discard;            // $1 id, $2 target_path
extern const statement drop_discard;           // $1 id -> target_path
extern const statement drop_discards_for_path; // $1 target_path

// -- workers ----------------------------------------------------------------
extern const statement claim; // $1 worker, $2 slots, $3 lease ms -> item rows
extern const statement
    heartbeat; // $1 id, $2 token, $3 lease ms, $4 done, $5 total, $6 speed, $7
               // validator -> extended, status
extern const statement report_facts; // $1 id, $2 token -> status,
                                     // token_matches, retries, lease_closed
extern const statement extend_lease; // $1 id, $2 lease ms, $3 done, $4 total,
                                     // $5 validator -> item row
extern const statement
    finish_lease; // $1 id, $2 status, $3 done, $4 total, $5 validator, $6
                  // error, $7 delay ms, $8 retry increment -> item row
extern const statement record_offset; // $1 id, $2 done, $3 total, $4 validator
/// Makes sources[$2] the current source of item $1 (its offset and validator
/// start over) -> item row; none when there is no such source.
extern const statement use_source;

// -- reaper -----------------------------------------------------------------
/// $1 limit, $2 max expirations -> item rows + old_owner, lease_expirations
/// (status failed: the item reached the limit)
extern const statement expire_leases;
extern const statement
    due; // $1 since (timestamptz text) -> claimable, newly_due, db_now
extern const statement
    due_discards; // $1 retry ms, $2 limit -> item_id, target_path
extern const statement prune_events; // $1 retention ms, $2 limit

// Free-space guard: an item a worker paused for a full disk, and its return.
extern const statement hold_for_disk;      // $1 id
extern const statement release_disk_holds; // -> n released

} // namespace kumo::queue::sql
