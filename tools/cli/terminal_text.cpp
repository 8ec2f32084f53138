#include "terminal_text.hpp"

#include <cstdio>

namespace kumo::cli {

namespace {

/// Decodes one UTF-8 sequence at `text[pos]`; returns its length (0 when
/// invalid) and stores the code point.
std::size_t decode(std::string_view text, std::size_t pos, char32_t& cp) {
  auto byte = [&](std::size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  unsigned char b = byte(pos);
  std::size_t len = b < 0x80         ? 1
                    : (b >> 5) == 6  ? 2
                    : (b >> 4) == 14 ? 3
                    : (b >> 3) == 30 ? 4
                                     : 0;
  if (len == 0 || pos + len > text.size())
    return 0;
  cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 7);
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0; // overlong, out of range or a surrogate
  return len;
}

bool is_control(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 ||
         cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

int columns_of(char32_t cp) {
  if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F))
    return 0;
  bool wide =
      (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

} // namespace

std::string sanitize_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    auto len = decode(text, pos, cp);
    if (len == 0 || is_control(cp)) {
      out.push_back('?');
      pos += len == 0 ? 1 : len;
      continue;
    }
    out.append(text.substr(pos, len));
    pos += len;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    auto len = decode(text, pos, cp);
    width += len == 0 || is_control(cp) ? 1 : columns_of(cp);
    pos += len == 0 ? 1 : len;
  }
  return width;
}

std::string fit_to_width(std::string_view text, std::size_t columns, bool pad) {
  auto clean = sanitize_for_terminal(text);
  auto total = display_width(clean);
  std::string out;
  std::size_t used = 0;
  if (total <= columns) {
    out = clean;
    used = total;
  } else if (columns > 0) {
    std::size_t budget = columns - 1; // room for the ellipsis
    for (std::size_t pos = 0; pos < clean.size();) {
      char32_t cp = 0;
      auto len = decode(clean, pos, cp);
      auto w = static_cast<std::size_t>(columns_of(cp));
      if (used + w > budget)
        break;
      out.append(clean, pos, len);
      used += w;
      pos += len;
    }
    out += "\xE2\x80\xA6";
    ++used;
  }
  if (pad && used < columns)
    out.append(columns - used, ' ');
  return out;
}

std::string human_bytes(double bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (!(bytes >= 0))
    bytes = 0;
  std::size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(units)) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  else
    std::snprintf(buf, sizeof buf, bytes < 10 ? "%.2f %s" : "%.1f %s", bytes,
                  units[unit]);
  return buf;
}

std::string human_duration(std::int64_t seconds) {
  if (seconds < 0)
    return "--:--";
  if (seconds > 99 * 3600 + 3599)
    return ">99h";
  char buf[32];
  auto h = seconds / 3600;
  auto m = (seconds / 60) % 60;
  auto s = seconds % 60;
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld",
                  static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  return buf;
}

} // namespace kumo::cli
