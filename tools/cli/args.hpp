#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kumo::cli {

/// The exit codes of `kumo`, documented in `kumo --help` and docs/cli.md.
enum exit_code : int {
  exit_ok = 0,          ///< done (also: Ctrl-C in a watch view)
  exit_api_error = 1,   ///< the gateway refused or failed the request
  exit_usage = 2,       ///< bad command line, nothing was sent
  exit_unreachable = 3, ///< no answer from the gateway (or a broken reply)
  exit_auth = 4,        ///< no, wrong or expired credentials
};

/// A command line that passed every check that needs no network.
struct parsed_args {
  std::string command;                        ///< e.g. "queue"
  std::vector<std::string> positionals;       ///< after the command
  std::map<std::string, std::string> options; ///< name (no dashes) -> value

  /// True when the flag or option was given.
  bool has(const std::string& name) const {
    return options.count(name) > 0;
  }

  /// The option's value, if given.
  std::optional<std::string> get(const std::string& name) const;
};

/// Why a command line was refused (exit code 2).
struct usage_error {
  std::string message;
};

/// Parses `args` (argv without the program name). Global options (`--json`,
/// `--verbose`, `--url URL`, `--help`, `--version`) may come anywhere;
/// `--name=value` and `--name value` are both accepted; `--` ends options.
/// `kumo --help` and `kumo help [command]` yield command "help".
std::variant<parsed_args, usage_error>
parse_args(const std::vector<std::string>& args);

/// True for the canonical textual form of a UUID (what item ids look like).
bool is_uuid(const std::string& text);

/// The text of `kumo --help` (with `command` empty) or `kumo help command`.
std::string usage_text(const std::string& command = {});

} // namespace kumo::cli
