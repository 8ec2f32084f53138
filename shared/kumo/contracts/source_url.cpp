#include "kumo/contracts/source_url.hpp"

#include "kumo/contracts/fields.hpp"

#include <vector>

namespace kumo::contracts {

namespace {

/// One part of an IPv4 literal; nullopt when it is not a number.
std::optional<uint64_t> ipv4_part(std::string_view part) {
  if (part.empty() || part.size() > 32)
    return std::nullopt;
  int base = 10;
  if (part.size() >= 2 && part[0] == '0' &&
      (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : part) {
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : 99;
    if (digit >= base)
      return std::nullopt;
    value = value * base + digit;
    if (value > 0xFFFFFFFFu)
      return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> split_dots(std::string_view host) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    auto dot = host.find('.', start);
    parts.push_back(host.substr(start, dot - start));
    if (dot == std::string_view::npos)
      return parts;
    start = dot + 1;
  }
}

std::optional<std::string> port_problem(std::string_view port) {
  if (port.empty())
    return std::nullopt;
  auto digits = port.substr(1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos)
    return "has an invalid port";
  auto value = std::stoi(std::string{digits});
  if (value < 1 || value > 65535)
    return "has an invalid port";
  return std::nullopt;
}

std::optional<std::string> address_problem(const ip_address& addr,
                                           const address_policy& policy) {
  if (policy.permits(addr))
    return std::nullopt;
  return "points to " + addr.to_string() +
         ", an address downloads may not reach (loopback, private, "
         "link-local or reserved; see fetch_allow_cidrs)";
}

std::optional<std::string> ipv6_host_problem(std::string_view authority,
                                             const address_policy& policy) {
  auto close = authority.find(']');
  if (close == std::string_view::npos)
    return "has a malformed IPv6 host";
  auto addr = parse_ip(authority.substr(1, close - 1));
  if (!addr)
    return "has a malformed IPv6 host";
  auto rest = authority.substr(close + 1);
  if (!rest.empty() && rest[0] != ':')
    return "has a malformed host";
  if (auto p = port_problem(rest))
    return p;
  return address_problem(*addr, policy);
}

std::optional<std::string> host_problem(std::string_view authority,
                                        const address_policy& policy) {
  if (!authority.empty() && authority[0] == '[')
    return ipv6_host_problem(authority, policy);
  auto colon = authority.find(':');
  auto host = authority.substr(0, colon);
  if (colon != std::string_view::npos)
    if (auto p = port_problem(authority.substr(colon)))
      return p;
  if (host.empty() || host == ".")
    return "has no host";
  if (host.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
      std::string_view::npos)
    return "has invalid characters in its host";
  if (!looks_like_ipv4(host))
    return std::nullopt; // a name: the downloader checks what it resolves to
  auto addr = ipv4_literal(host);
  if (!addr)
    return "has a host that is neither a name nor a valid IPv4 address";
  return address_problem(*addr, policy);
}

} // namespace

bool looks_like_ipv4(std::string_view host) {
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  auto last = host.substr(
      host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
  return !last.empty() && last[0] >= '0' && last[0] <= '9';
}

std::optional<ip_address> ipv4_literal(std::string_view host) {
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  auto parts = split_dots(host);
  if (parts.size() > 4)
    return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto part = ipv4_part(parts[i]);
    if (!part)
      return std::nullopt;
    bool last = i + 1 == parts.size();
    auto room = last ? uint64_t{1} << (8 * (4 - i)) : 256u;
    if (*part >= room)
      return std::nullopt;
    value = last ? value << (8 * (4 - i)) | *part : value << 8 | *part;
  }
  auto dotted = std::to_string(value >> 24) + "." +
                std::to_string(value >> 16 & 0xFF) + "." +
                std::to_string(value >> 8 & 0xFF) + "." +
                std::to_string(value & 0xFF);
  return parse_ip(dotted);
}

std::optional<std::string> source_url_problem(const std::string& url,
                                              const address_policy& policy) {
  if (url.size() > max_url_bytes)
    return "is longer than " + std::to_string(max_url_bytes) + " bytes";
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f || c == '\\')
      return std::string{"must be printable ASCII without spaces or "
                         "backslashes (percent-encode other characters)"};
  auto sep = url.find("://");
  if (sep == std::string::npos)
    return std::string{"must start with http:// or https://"};
  auto scheme = ascii_lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https")
    return std::string{"must use the http or https scheme"};
  auto rest = std::string_view{url}.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return std::string{"must not contain credentials (user@host)"};
  return host_problem(authority, policy);
}

} // namespace kumo::contracts
