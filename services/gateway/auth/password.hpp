#pragma once

// Password rules and hashing for the master account. Hashes are scrypt
// (OpenSSL EVP_PBE_scrypt) with a random salt, encoded together with their
// parameters so they can be verified after the defaults change:
//
//   $scrypt$ln=15,r=8,p=1$<salt, base64url>$<hash, base64url>
//
// Pure apart from OpenSSL's random generator; no CAF, no I/O.

#include <optional>
#include <string>

namespace kumo::gateway {

/// Cost parameters of scrypt: N = 2^log2_n.
struct scrypt_params {
  int log2_n = 15;
  int r = 8;
  int p = 1;
};

/// Returns why `password` is not acceptable as the master password (fewer
/// than 8 or more than 1024 characters, counted as UTF-8 code points), or
/// nullopt when it is.
std::optional<std::string> password_problem(const std::string& password);

/// Hashes `password` with a fresh 16-byte salt. Returns "" only when OpenSSL
/// fails (no randomness, out of memory).
std::string hash_password(const std::string& password,
                          const scrypt_params& params = {});

/// True when `password` matches `encoded`. A malformed or tampered encoding,
/// or parameters outside sane bounds (which could make verification
/// arbitrarily expensive), never match. The hash comparison is constant-time.
bool verify_password(const std::string& password, const std::string& encoded);

} // namespace kumo::gateway
