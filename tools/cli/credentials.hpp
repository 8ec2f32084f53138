#pragma once

#include "kumo/result.hpp"

#include <optional>
#include <string>

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

/// Reads the file at `path`. Returns nullopt when there is none; fails with
/// a message naming the file when it cannot be read, is not a regular file,
/// is readable or writable by group or others (it is then not read at all),
/// or is malformed.
kumo::result<std::optional<credentials>>
load_credentials(const std::string& path);

/// load_credentials() of credentials_path(); nullopt when there is no such
/// path either (neither HOME nor XDG_CONFIG_HOME set).
kumo::result<std::optional<credentials>> saved_credentials();

/// Writes `c` to `path` with mode 0600 (its folder created with 0700),
/// replacing any previous file atomically. Returns an error message on
/// failure (the previous file is then unchanged).
std::optional<std::string> save_credentials(const std::string& path,
                                            const credentials& c);

/// Removes the file; true when it existed.
bool remove_credentials(const std::string& path);

} // namespace kumo::cli
