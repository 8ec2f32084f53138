#pragma once

// Every request the queue serves, parsed and validated. Client requests
// are read with the shared contracts (kumo/contracts/), the same the gateway
// checks HTTP bodies with. The store executes only these values, never raw
// JSON, so bad input is rejected before any transaction starts and changes
// nothing.

#include "kumo/contracts/provider_requests.hpp"
#include "kumo/contracts/queue_requests.hpp"
#include "kumo/contracts/queue_status.hpp"
#include "kumo/result.hpp"
#include "kumo/wire.hpp"
#include "model.hpp"
#include "path_template.hpp"
#include "purge.hpp"

#include <string>
#include <variant>
#include <vector>

namespace kumo::queue {

struct add_episode {
  int season = 0;
  int episode = 0;
  wire::source src;                  ///< the first source
  std::vector<wire::source> sources; ///< every source, in order; empty: a
                                     ///< bare reference, resolved at claim
  std::string target_path;           ///< rendered from the path template
};

/// cmd.add
struct add_command {
  std::string serie_id;
  std::string serie_folder;
  std::string serie_name;
  priority prio = priority::normal;
  std::vector<add_episode> episodes;
  /// The series' provider (its library `site`) as the scanner named it
  /// when the add holds bare references; shown on them until resolved.
  std::string series_provider;
};

/// cmd.status: one page of every list.
struct status_command {
  contracts::status_request page;
};

/// cmd.get
struct get_command {
  std::string id;
};

/// cmd.remove
struct remove_command {
  std::string id;
};

enum class queue_switch : uint8_t { start, stop, pause, resume };

/// cmd.start / cmd.stop / cmd.pause / cmd.resume
struct switch_command {
  queue_switch action = queue_switch::start;
};

enum class item_action : uint8_t { pause, resume, cancel };

/// cmd.pause_item / cmd.resume_item / cmd.cancel_item
struct item_command {
  item_action action = item_action::pause;
  std::string id;
};

/// cmd.set_priority
struct priority_command {
  std::string id;
  priority prio = priority::normal;
};

/// cmd.retry: `ids` empty and `all` set means every failed item.
struct retry_command {
  std::vector<std::string> ids;
  bool all = true;
};

/// cmd.clear_completed
struct clear_command {};

/// cmd.provider_*: provider health, runtime settings and failover chain.
enum class provider_op : uint8_t {
  health,          ///< provider_health: every provider's health
  health_get,      ///< provider_health_get {name}
  available,       ///< provider_available
  best,            ///< provider_best
  health_reset,    ///< provider_health_reset {name}
  config,          ///< provider_config: {"providers": [...]}
  config_get,      ///< provider_config_get {name}
  config_set,      ///< provider_config_set {name, settings}
  enable,          ///< provider_enable {name}
  disable,         ///< provider_disable {name}
  failover,        ///< provider_failover: the chain
  failover_add,    ///< provider_failover_add {name}
  failover_remove, ///< provider_failover_remove {name}
};

struct provider_command {
  provider_op op = provider_op::health;
  std::string name;                  ///< for the ops taking {name}
  contracts::provider_update update; ///< config_set
};

/// Internal: one reaper pass (expired leases, due retries, counts, discards).
struct reap_command {};

/// Internal: counts and switches for the queue progress event.
struct snapshot_command {};

/// Internal: a downloader deleted the partial file of `id`.
struct discard_done_command {
  std::string id;
};

/// Internal: the sources of a claimed bare reference, as the series'
/// provider named them (or why it could not), for the lease `lease_token`.
struct resolve_command {
  std::string id;
  std::string lease_token;
  std::vector<wire::source> sources; ///< empty: not resolved, see `error`
  std::string error;                 ///< for the item when not resolved
  bool transient = false; ///< not resolved for now: back to pending later
};

using command =
    std::variant<add_command, status_command, get_command, remove_command,
                 switch_command, item_command, priority_command, retry_command,
                 clear_command, wire::claim_request, wire::heartbeat,
                 wire::report, reap_command, snapshot_command,
                 discard_done_command, provider_command, purge_command,
                 resolve_command>;

/// The action name a command reports in queue progress events ("add",
/// "pause_item", "claim", ...).
std::string action_name(const command& cmd);

/// Parses the payload of kumo.queue.cmd.<op> with the request contracts and
/// renders the target paths of an add. An empty payload counts as {}.
/// Fails with a message naming the offending field.
result<command> parse_queue_command(const std::string& op,
                                    const std::string& payload,
                                    const path_template& paths,
                                    const contracts::request_rules& rules);

/// kumo.queue.claim
result<wire::claim_request> parse_claim(const std::string& payload);

/// kumo.queue.heartbeat
result<wire::heartbeat> parse_heartbeat(const std::string& payload);

/// kumo.queue.report
result<wire::report> parse_report(const std::string& payload);

} // namespace kumo::queue
