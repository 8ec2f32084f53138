#include "auth/password.hpp"

#include "auth/tokens.hpp"

#include <array>
#include <cstdint>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <regex>

namespace kumo::gateway {

namespace {

constexpr size_t salt_bytes = 16;
constexpr size_t hash_bytes = 32;
constexpr size_t min_chars = 8;
constexpr size_t max_chars = 1024;

/// Parameters a stored hash may carry; anything beyond costs more memory or
/// time than a login should (ln=20, r=32 would need 4 GiB).
bool sane(const scrypt_params& p) {
  return p.log2_n >= 10 && p.log2_n <= 20 && p.r >= 1 && p.r <= 16 &&
         p.p >= 1 && p.p <= 4 &&
         (uint64_t{128} << p.log2_n) * static_cast<uint64_t>(p.r) <=
             (uint64_t{256} << 20);
}

/// scrypt of `password` into `out` (hash_bytes), false on failure.
bool derive(const std::string& password, const std::string& salt,
            const scrypt_params& p, unsigned char* out) {
  uint64_t n = uint64_t{1} << p.log2_n;
  // scrypt needs 128 * N * r bytes for V plus 128 * r * p for B; allow both.
  uint64_t maxmem = 128 * n * static_cast<uint64_t>(p.r) +
                    256 * static_cast<uint64_t>(p.r) * p.p + (1 << 20);
  return EVP_PBE_scrypt(password.data(), password.size(),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        salt.size(), n, static_cast<uint64_t>(p.r),
                        static_cast<uint64_t>(p.p), maxmem, out,
                        hash_bytes) == 1;
}

size_t code_points(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xc0) != 0x80)
      ++n;
  return n;
}

struct parsed_hash {
  scrypt_params params;
  std::string salt;
  std::string hash;
};

std::optional<parsed_hash> parse(const std::string& encoded) {
  static const std::regex shape{
      R"(^\$scrypt\$ln=([0-9]{1,2}),r=([0-9]{1,2}),p=([0-9]{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$)"};
  std::smatch m;
  if (encoded.size() > 512 || !std::regex_match(encoded, m, shape))
    return std::nullopt;
  parsed_hash out;
  out.params = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
  auto salt = base64url_decode(m[4]);
  auto hash = base64url_decode(m[5]);
  if (!sane(out.params) || !salt || !hash || salt->size() < 8 ||
      hash->size() != hash_bytes)
    return std::nullopt;
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

} // namespace

std::optional<std::string> password_problem(const std::string& password) {
  auto n = code_points(password);
  if (n < min_chars)
    return "password must have at least " + std::to_string(min_chars) +
           " characters";
  if (n > max_chars)
    return "password must have at most " + std::to_string(max_chars) +
           " characters";
  return std::nullopt;
}

std::string hash_password(const std::string& password,
                          const scrypt_params& params) {
  if (!sane(params))
    return {};
  std::array<unsigned char, salt_bytes> salt{};
  std::array<unsigned char, hash_bytes> hash{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    return {};
  std::string salt_text(reinterpret_cast<const char*>(salt.data()),
                        salt.size());
  if (!derive(password, salt_text, params, hash.data()))
    return {};
  return "$scrypt$ln=" + std::to_string(params.log2_n) +
         ",r=" + std::to_string(params.r) + ",p=" + std::to_string(params.p) +
         "$" + base64url_encode(salt_text) + "$" +
         base64url_encode(std::string(
             reinterpret_cast<const char*>(hash.data()), hash.size()));
}

bool verify_password(const std::string& password, const std::string& encoded) {
  auto parsed = parse(encoded);
  if (!parsed)
    return false;
  std::array<unsigned char, hash_bytes> hash{};
  if (!derive(password, parsed->salt, parsed->params, hash.data()))
    return false;
  bool equal = CRYPTO_memcmp(hash.data(), parsed->hash.data(), hash_bytes) == 0;
  OPENSSL_cleanse(hash.data(), hash.size());
  return equal;
}

} // namespace kumo::gateway
