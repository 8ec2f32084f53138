#include "parse/name_tokens.hpp"

#include "parse/episode_name.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace kumo::scanner::detail {

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Decodes one UTF-8 sequence at `text[i]`; returns its length, or 0 when it
/// is invalid (overlong, surrogate, out of range or truncated).
size_t decode(std::string_view text, size_t i, uint32_t& cp) {
  auto b0 = static_cast<unsigned char>(text[i]);
  size_t len = b0 < 0x80         ? 1
               : (b0 >> 5) == 6  ? 2
               : (b0 >> 4) == 14 ? 3
               : (b0 >> 3) == 30 ? 4
                                 : 0;
  if (len == 0 || i + len > text.size())
    return 0;
  cp = len == 1   ? b0
       : len == 2 ? (b0 & 0x1F)
       : len == 3 ? (b0 & 0x0F)
                  : (b0 & 0x07);
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t min_of_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

uint32_t fold(uint32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E)
    return cp - 0xFEE0;
  switch (cp) {
  case 0x3000: // ideographic space
  case 0x300C: // 「」『』 quote a title
  case 0x300D:
  case 0x300E:
  case 0x300F:
    return ' ';
  case 0x2010: // hyphens and dashes, the minus sign
  case 0x2011:
  case 0x2012:
  case 0x2013:
  case 0x2014:
  case 0x2015:
  case 0x2212:
    return '-';
  case 0x3010:
  case 0x3014:
  case 0x3016:
    return '[';
  case 0x3011:
  case 0x3015:
  case 0x3017:
    return ']';
  case '\\':
    return '/';
  default:
    return cp < 0x20 || cp == 0x7F ? ' ' : cp;
  }
}

bool is_bracket_open(char c) {
  return c == '(' || c == '[' || c == '{';
}

bool is_bracket_close(char c) {
  return c == ')' || c == ']' || c == '}';
}

bool is_word_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (u >= '0' && u <= '9') ||
         ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
}

} // namespace

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string normalize(std::string_view text) {
  if (text.size() > max_name_bytes)
    text = text.substr(0, max_name_bytes);
  std::string out;
  out.reserve(text.size());
  bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7F && c != '\\';
  });
  if (plain)
    return out.assign(text.begin(), text.end());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    auto len = decode(text, i, cp);
    if (len == 0) {
      append_utf8(out, 0xFFFD);
      ++i;
      continue;
    }
    append_utf8(out, fold(cp));
    i += len;
  }
  return out;
}

namespace {

/// Unmatched brackets become separators; then every token gets its depth.
void balance_brackets(std::vector<token>& toks) {
  bool any = std::any_of(toks.begin(), toks.end(), [](const token& t) {
    return t.type == kind::open || t.type == kind::close;
  });
  if (!any)
    return;
  std::vector<size_t> open;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].type == kind::open) {
      open.push_back(i);
    } else if (toks[i].type == kind::close) {
      if (open.empty())
        toks[i].type = kind::sep;
      else
        open.pop_back();
    }
  }
  for (auto i : open)
    toks[i].type = kind::sep;
  int depth = 0;
  for (auto& t : toks) {
    if (t.type == kind::close && depth > 0)
      --depth;
    t.depth = static_cast<uint8_t>(std::min(depth, 255));
    if (t.type == kind::open)
      ++depth;
  }
}

/// Marks a word of digits ("012") or digits with a version ("12v2").
void classify_digits(std::string_view w, token& t) {
  size_t digits = 0;
  while (digits < w.size() && is_digit(w[digits]))
    ++digits;
  if (digits == 0 || digits > 6)
    return;
  bool version = digits + 1 < w.size() && w.size() - digits <= 3 &&
                 (w[digits] == 'v' || w[digits] == 'V') &&
                 std::all_of(w.begin() + digits + 1, w.end(), is_digit);
  if (digits != w.size() && !version)
    return;
  t.flags |= flag::digits;
  t.value = number_of(w.substr(0, digits));
  t.width = static_cast<uint8_t>(digits);
}

} // namespace

std::vector<token> tokenize(std::string_view text) {
  std::vector<token> out;
  out.reserve(text.size() / 2 + 8);
  for (size_t i = 0; i < text.size();) {
    token t;
    t.begin = static_cast<uint32_t>(i);
    char c = text[i];
    if (is_word_char(c)) {
      bool numeric = false;
      for (; i < text.size() && is_word_char(text[i]); ++i)
        numeric |= is_digit(text[i]);
      t.end = static_cast<uint32_t>(i);
      if (numeric) {
        t.flags |= flag::numeric;
        classify_digits(text.substr(t.begin, t.end - t.begin), t);
      }
    } else {
      t.end = static_cast<uint32_t>(++i);
      t.ch = c;
      t.type = is_bracket_open(c)    ? kind::open
               : is_bracket_close(c) ? kind::close
                                     : kind::sep;
    }
    out.push_back(t);
  }
  balance_brackets(out);
  return out;
}

std::string_view lower(std::string_view word, char (&out)[32]) {
  if (word.size() >= sizeof(out))
    return {};
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {out, word.size()};
}

int number_of(std::string_view text) {
  if (text.empty() || text.size() > 6)
    return -1;
  int v = 0;
  for (char c : text) {
    if (!is_digit(c))
      return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

} // namespace kumo::scanner::detail
