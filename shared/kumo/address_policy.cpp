#include "kumo/address_policy.hpp"

#include <algorithm>
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
  return *parse_cidr(text);
}

struct named_range {
  cidr range;
  const char* text;
  const char* name;
};

named_range named(const char* text, const char* name) {
  return {must_parse(text), text, name};
}

/// IPv4 ranges no download reaches unless allowed (see the table in the
/// header). Checked against IPv4 addresses and the IPv4 that IPv6 forms
/// embed.
const std::vector<named_range>& special_v4() {
  static const std::vector<named_range> ranges{
      named("0.0.0.0/8", "this network"),
      named("10.0.0.0/8", "private-use"),
      named("100.64.0.0/10", "shared address space"),
      named("127.0.0.0/8", "loopback"),
      named("169.254.0.0/16", "link-local"),
      named("172.16.0.0/12", "private-use"),
      named("192.0.0.0/24", "IETF protocol assignments"),
      named("192.0.2.0/24", "documentation"),
      named("192.31.196.0/24", "AS112"),
      named("192.52.193.0/24", "AMT"),
      named("192.88.99.0/24", "6to4 relay anycast"),
      named("192.168.0.0/16", "private-use"),
      named("192.175.48.0/24", "AS112 direct delegation"),
      named("198.18.0.0/15", "benchmarking"),
      named("198.51.100.0/24", "documentation"),
      named("203.0.113.0/24", "documentation"),
      named("224.0.0.0/4", "multicast"),
      named("255.255.255.255/32", "limited broadcast"),
      named("240.0.0.0/4", "reserved"),
  };
  return ranges;
}

/// IPv6 ranges refused outright. The forms that embed IPv4 (::/96,
/// ::ffff:0:0/96, 64:ff9b::/96, 2002::/16) are judged by that IPv4 instead.
const std::vector<named_range>& special_v6() {
  static const std::vector<named_range> ranges{
      named("::/128", "unspecified"),
      named("::1/128", "loopback"),
      named("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
      named("100::/64", "discard-only"),
      named("100:0:0:1::/64", "dummy prefix"),
      named("2001::/32", "Teredo"),
      named("2001::/23", "IETF protocol assignments"),
      named("2001:db8::/32", "documentation"),
      named("2620:4f:8000::/48", "AS112 direct delegation"),
      named("3fff::/20", "documentation"),
      named("5f00::/16", "SRv6 segment identifiers"),
      named("fc00::/7", "unique-local"),
      named("fe80::/10", "link-local"),
      named("fec0::/10", "site-local"),
      named("ff00::/8", "multicast"),
  };
  return ranges;
}

const cidr& global_unicast() {
  static const cidr range = must_parse("2000::/3");
  return range;
}

std::string describe(const named_range& r) {
  return std::string{r.text} + " (" + r.name + ")";
}

std::string v4_reason(const ip_address& v4) {
  for (const auto& r : special_v4())
    if (r.range.contains(v4))
      return describe(r);
  return {};
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

result<cidr> parse_cidr(std::string_view text) {
  auto fail = [&](const std::string& why) -> result<cidr> {
    return invalid("'" + std::string{text} + "' is not a CIDR: " + why);
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

result<std::vector<cidr>> parse_cidr_list(std::string_view text) {
  std::vector<cidr> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{}
                                           : text.substr(comma + 1);
    if (item.empty())
      continue;
    auto parsed = parse_cidr(item);
    if (!parsed)
      return parsed.error();
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

std::optional<ip_address> embedded_ipv4(const ip_address& addr) {
  const auto& b = addr.bytes;
  auto zero = [&](int from, int to) {
    return std::all_of(b.begin() + from, b.begin() + to,
                       [](uint8_t x) { return x == 0; });
  };
  if (addr.is_v4_mapped())
    return addr;
  if (zero(0, 12)) // IPv4-compatible ::a.b.c.d
    return from_v4(b.data() + 12);
  static const std::array<uint8_t, 12> nat64{0, 0x64, 0xff, 0x9b};
  if (std::equal(nat64.begin(), nat64.end(), b.begin()))
    return from_v4(b.data() + 12);
  if (b[0] == 0x20 && b[1] == 0x02) // 6to4 2002:a.b.c.d::/48
    return from_v4(b.data() + 2);
  return std::nullopt;
}

address_policy::address_policy(std::vector<cidr> allow)
    : allow_(std::move(allow)) {
  // nop
}

address_policy::address_policy(std::vector<cidr> allow,
                               local_address_source local)
    : allow_(std::move(allow)), local_(std::move(local)) {
  // nop
}

std::string address_policy::special_reason(const ip_address& addr) {
  for (const auto& r : special_v6())
    if (r.range.contains(addr))
      return describe(r);
  if (auto v4 = embedded_ipv4(addr)) {
    auto why = v4_reason(*v4);
    if (why.empty() || addr.is_v4_mapped())
      return why;
    return "embeds " + v4->to_string() + ", " + why;
  }
  if (!global_unicast().contains(addr))
    return "not global unicast (outside 2000::/3)";
  return {};
}

bool address_policy::is_special(const ip_address& addr) {
  return !special_reason(addr).empty();
}

bool address_policy::allowed(const ip_address& addr) const {
  auto v4 = embedded_ipv4(addr);
  for (const auto& range : allow_)
    if (range.contains(addr) || (v4 && range.contains(*v4)))
      return true;
  return false;
}

std::string address_policy::refusal(const ip_address& addr) const {
  if (allowed(addr))
    return {};
  if (auto why = special_reason(addr); !why.empty())
    return why;
  if (!local_)
    return {};
  auto local = local_();
  if (!local)
    return "the addresses of local interfaces cannot be read";
  auto v4 = embedded_ipv4(addr);
  for (const auto& mine : *local)
    if (mine == addr || (v4 && mine == *v4))
      return "assigned to a local interface";
  return {};
}

bool address_policy::permits(const ip_address& addr) const {
  return refusal(addr).empty();
}

} // namespace kumo
