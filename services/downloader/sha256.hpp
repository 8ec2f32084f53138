#pragma once

// Incremental SHA-256 (OpenSSL EVP), so a file is hashed while it streams.

#include <cstddef>
#include <memory>
#include <string>

struct evp_md_ctx_st;

namespace kumo::downloader {

class sha256 {
public:
  sha256();
  ~sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;

  void update(const void* data, size_t size);

  /// Starts over, as if nothing had been hashed.
  void reset();

  /// The digest of everything so far as lowercase hex. Ends the hash; call
  /// reset() before hashing again.
  std::string hex_digest();

private:
  struct deleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, deleter> ctx_;
};

/// Lowercases `hex`; returns "" unless it is 64 hex digits.
std::string normalize_sha256(const std::string& hex);

} // namespace kumo::downloader
