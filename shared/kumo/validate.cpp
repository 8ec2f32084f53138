#include "kumo/validate.hpp"

#include <cctype>

namespace kumo {

bool is_series_key(std::string_view text) {
  if (text.empty() || text.size() > 255 || text.front() == '-' ||
      text.back() == '-')
    return false;
  char prev = 0;
  for (char c : text) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-')
      return false;
    if (c == '-' && prev == '-')
      return false;
    prev = c;
  }
  return true;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36)
    return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-'
             : !std::isxdigit(static_cast<unsigned char>(text[i])))
      return false;
  }
  return true;
}

bool has_control_chars(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f)
      return true;
    if (c == 0xc2 && i + 1 < text.size()) {
      auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f)
        return true;
    }
  }
  return false;
}

} // namespace kumo
