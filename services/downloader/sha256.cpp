#include "sha256.hpp"

#include <cctype>
#include <openssl/evp.h>
#include <stdexcept>

namespace kumo::downloader {

void sha256::deleter::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_)
    throw std::bad_alloc();
  reset();
}

sha256::~sha256() = default;
sha256::sha256(sha256&&) noexcept = default;
sha256& sha256::operator=(sha256&&) noexcept = default;

void sha256::reset() {
  EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
}

void sha256::update(const void* data, size_t size) {
  EVP_DigestUpdate(ctx_.get(), data, size);
}

std::string sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_.get(), digest, &length);
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{length} * 2);
  for (unsigned i = 0; i < length; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0xf];
  }
  return out;
}

std::string normalize_sha256(const std::string& hex) {
  if (hex.size() != 64)
    return {};
  std::string out;
  out.reserve(64);
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return {};
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

} // namespace kumo::downloader
