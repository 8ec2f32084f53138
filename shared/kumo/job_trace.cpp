#include "kumo/job_trace.hpp"

#include <array>
#include <openssl/evp.h>

namespace kumo {

std::string lease_fingerprint(const std::string& token) {
  if (token.empty())
    return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(token.data(), token.size(), digest.data(), &size, EVP_sha256(),
                 nullptr) != 1 ||
      size < 4)
    return "?";
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 4; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

nlohmann::json job_fields(const std::string& event, const std::string& item,
                          const std::string& lease_token,
                          nlohmann::json extra) {
  if (!extra.is_object())
    extra = nlohmann::json::object();
  extra["event"] = event;
  extra["item"] = item;
  if (!lease_token.empty())
    extra["lease"] = lease_fingerprint(lease_token);
  return extra;
}

} // namespace kumo
