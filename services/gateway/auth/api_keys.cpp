#include "auth/api_keys.hpp"

#include "auth/tokens.hpp"

namespace kumo::gateway {

namespace {

constexpr const char* key_marker = "kumo_";
constexpr size_t marker_size = 5;
constexpr size_t max_name_bytes = 64;

/// Length of the UTF-8 sequence `lead` starts, 0 when it cannot start one.
size_t utf8_length(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xc2 && lead <= 0xdf)
    return 2;
  if (lead >= 0xe0 && lead <= 0xef)
    return 3;
  if (lead >= 0xf0 && lead <= 0xf4)
    return 4;
  return 0;
}

bool valid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    auto n = utf8_length(static_cast<unsigned char>(text[i]));
    if (n == 0 || i + n > text.size())
      return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80)
        return false;
    i += n;
  }
  return true;
}

bool has_control(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f)
      return true;
    // C1 controls: U+0080..U+009F are encoded as C2 80..C2 9F.
    if (c == 0xc2 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f)
      return true;
  }
  return false;
}

} // namespace

std::string new_api_key() {
  auto token = new_session_token();
  return token.empty() ? std::string{} : key_marker + token;
}

bool looks_like_api_key(const std::string& text) {
  return text.size() > marker_size &&
         text.compare(0, marker_size, key_marker) == 0 &&
         looks_like_session_token(text.substr(marker_size));
}

std::string api_key_prefix(const std::string& key) {
  return key.substr(0, marker_size + 6);
}

std::optional<std::string> key_name_problem(const std::string& name) {
  if (name.empty())
    return "name must not be empty";
  if (name.size() > max_name_bytes)
    return "name must be at most 64 bytes";
  if (!valid_utf8(name))
    return "name must be UTF-8 text";
  if (has_control(name))
    return "name must not contain control characters";
  if (name.find_first_not_of(' ') == std::string::npos)
    return "name must not be blank";
  return std::nullopt;
}

touch_throttle::touch_throttle(std::chrono::milliseconds interval,
                               size_t capacity)
    : interval_(interval), capacity_(capacity) {
  // nop
}

bool touch_throttle::due(const std::string& hash, clock::time_point now) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = last_.find(hash);
  if (it != last_.end() && now - it->second < interval_)
    return false;
  if (it == last_.end() && last_.size() >= capacity_)
    last_.clear(); // worst case: one extra write per key
  last_[hash] = now;
  return true;
}

void touch_throttle::forget(const std::string& hash) {
  std::lock_guard<std::mutex> guard{mutex_};
  last_.erase(hash);
}

} // namespace kumo::gateway
