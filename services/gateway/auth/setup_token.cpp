#include "auth/setup_token.hpp"

#include "auth/tokens.hpp"
#include "kumo/address_policy.hpp"

#include <openssl/crypto.h>

namespace kumo::gateway {

bool is_loopback_bind(const std::string& bind) {
  if (bind == "localhost")
    return true;
  auto addr = parse_ip(bind);
  if (!addr)
    return false;
  static const auto v4_loopback = *parse_cidr("127.0.0.0/8");
  static const auto v6_loopback = *parse_cidr("::1/128");
  return v4_loopback.contains(*addr) || v6_loopback.contains(*addr);
}

setup_token::setup_token(std::string token) : token_(std::move(token)) {
  // nop
}

bool setup_token::required() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return !token_.empty() || consumed_;
}

bool setup_token::accepts(const std::string& presented) const {
  std::lock_guard<std::mutex> guard{mutex_};
  return !consumed_ && !token_.empty() &&
         constant_time_equal(presented, token_);
}

void setup_token::consume() {
  std::lock_guard<std::mutex> guard{mutex_};
  if (token_.empty())
    return;
  OPENSSL_cleanse(token_.data(), token_.size());
  token_.clear();
  consumed_ = true;
}

} // namespace kumo::gateway
