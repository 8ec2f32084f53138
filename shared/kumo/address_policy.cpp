#include "kumo/address_policy.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace kumo {

namespace {

constexpr std::array<uint8_t, 12> v4_mapped_prefix{0, 0, 0, 0, 0,    0,
                                                   0, 0, 0, 0, 0xff, 0xff};

ip_address from_v4(const uint8_t* four) {
  ip_address out;
  std::copy(v4_mapped_prefix.begin(), v4_mapped_prefix.end(),
            out.bytes.begin());
  std::memcpy(out.bytes.data() + 12, four, 4);
  return out;
}

/// Clears every bit after the first `prefix` bits.
void mask(ip_address& addr, int prefix) {
  for (int i = 0; i < 16; ++i) {
    int keep = prefix - i * 8;
    if (keep >= 8)
      continue;
    addr.bytes[i] &= keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

cidr must_parse(const char* text) {
  std::string ignored;
  return *parse_cidr(text, &ignored);
}

/// Ranges no download reaches unless allowed explicitly.
const std::vector<cidr>& special_ranges() {
  static const std::vector<cidr> ranges{
      must_parse("0.0.0.0/8"),      // "this network"
      must_parse("10.0.0.0/8"),     // private
      must_parse("100.64.0.0/10"),  // shared address space (CGNAT)
      must_parse("127.0.0.0/8"),    // loopback
      must_parse("169.254.0.0/16"), // link-local (cloud metadata lives here)
      must_parse("172.16.0.0/12"),  // private
      must_parse("192.0.0.0/24"),   // IETF protocol assignments
      must_parse("192.168.0.0/16"), // private
      must_parse("198.18.0.0/15"),  // benchmarking
      must_parse("224.0.0.0/4"),    // multicast
      must_parse("240.0.0.0/4"),    // reserved, broadcast
      must_parse("::/96"),          // unspecified, ::1, IPv4-compatible
      must_parse("64:ff9b::/96"),   // NAT64: may embed any IPv4 address
      must_parse("fc00::/7"),       // unique-local
      must_parse("fe80::/10"),      // link-local
      must_parse("fec0::/10"),      // site-local (deprecated)
      must_parse("ff00::/8"),       // multicast
  };
  return ranges;
}

} // namespace

bool ip_address::is_v4_mapped() const {
  return std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(),
                    bytes.begin());
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (is_v4_mapped())
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  else
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool cidr::contains(const ip_address& addr) const {
  auto masked = addr;
  mask(masked, prefix);
  return masked.bytes == network.bytes;
}

std::optional<ip_address> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN)
    return std::nullopt;
  std::string s{text};
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1)
    return from_v4(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    ip_address out;
    std::memcpy(out.bytes.data(), buf, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<cidr> parse_cidr(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<cidr> {
    if (error)
      *error = "'" + std::string{text} + "' is not a CIDR: " + why;
    return std::nullopt;
  };
  auto slash = text.find('/');
  auto addr = parse_ip(text.substr(0, slash));
  if (!addr)
    return fail("expected an IPv4 or IPv6 address");
  int width = addr->is_v4_mapped() ? 32 : 128;
  int prefix = width;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3)
      return fail("expected a prefix length after '/'");
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9')
        return fail("expected a prefix length after '/'");
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > width)
      return fail("prefix length exceeds " + std::to_string(width));
  }
  cidr out{*addr, prefix + (width == 32 ? 96 : 0)};
  mask(out.network, out.prefix);
  return out;
}

std::optional<std::vector<cidr>> parse_cidr_list(std::string_view text,
                                                 std::string* error) {
  std::vector<cidr> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{}
                                           : text.substr(comma + 1);
    if (item.empty())
      continue;
    auto parsed = parse_cidr(item, error);
    if (!parsed)
      return std::nullopt;
    out.push_back(*parsed);
  }
  return out;
}

std::optional<ip_address> from_sockaddr(const sockaddr* addr) {
  if (addr == nullptr)
    return std::nullopt;
  if (addr->sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, addr, sizeof v4);
    return from_v4(reinterpret_cast<const uint8_t*>(&v4.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, addr, sizeof v6);
    ip_address out;
    std::memcpy(out.bytes.data(), v6.sin6_addr.s6_addr, 16);
    return out;
  }
  return std::nullopt;
}

address_policy::address_policy(std::vector<cidr> allow)
    : allow_(std::move(allow)) {
  // nop
}

bool address_policy::is_special(const ip_address& addr) {
  for (const auto& range : special_ranges())
    if (range.contains(addr))
      return true;
  return false;
}

bool address_policy::permits(const ip_address& addr) const {
  for (const auto& range : allow_)
    if (range.contains(addr))
      return true;
  return !is_special(addr);
}

} // namespace kumo
