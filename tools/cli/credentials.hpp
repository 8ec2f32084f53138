#pragma once

#include <optional>
#include <string>
#include <variant>

namespace kumo::cli {

/// What `kumo login` keeps between runs.
struct credentials {
  std::string url;        ///< the gateway, e.g. http://127.0.0.1:8080
  std::string token;      ///< the session's bearer token (a secret)
  std::string expires_at; ///< as the gateway answered, for messages only
};

/// `$XDG_CONFIG_HOME/kumo/credentials`, else `$HOME/.config/kumo/credentials`;
/// empty when neither variable is set.
std::string credentials_path();

/// Reads the file at `path`. Returns nullopt when there is none, an error
/// message when it is not a regular file, is readable or writable by group
/// or others (it is then not read at all), or is malformed.
std::variant<std::optional<credentials>, std::string>
load_credentials(const std::string& path);

/// Writes `c` to `path` with mode 0600 (its folder created with 0700),
/// replacing any previous file atomically. Returns an error message on
/// failure (the previous file is then unchanged).
std::optional<std::string> save_credentials(const std::string& path,
                                            const credentials& c);

/// Removes the file; true when it existed.
bool remove_credentials(const std::string& path);

} // namespace kumo::cli
