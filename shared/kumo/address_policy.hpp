#pragma once

// Which network addresses an outgoing request (a download, a provider
// request) may connect to. Every address a URL
// resolves to is checked at connect time (after DNS, for every redirect), so
// a name that resolves to a private address is refused like the address
// itself. An allowlist of CIDRs opens chosen ranges (a home LAN, a test
// origin on loopback).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sockaddr;

namespace kumo {

/// An IPv4 or IPv6 address. IPv4 is held in its IPv4-mapped IPv6 form
/// (::ffff:a.b.c.d) so that one comparison covers both families.
struct ip_address {
  std::array<uint8_t, 16> bytes{};

  bool is_v4_mapped() const;
  std::string to_string() const;
};

/// A network: address plus prefix length over the 128-bit form (IPv4
/// networks have prefix 96 + their IPv4 prefix).
struct cidr {
  ip_address network; ///< host bits are zero
  int prefix = 0;     ///< 0..128

  bool contains(const ip_address& addr) const;
};

/// Parses "192.168.1.10" or "fe80::1". Returns nullopt for anything else.
std::optional<ip_address> parse_ip(std::string_view text);

/// Parses "10.0.0.0/8", "fd00::/8" or a bare address (a single host). Host
/// bits beyond the prefix are cleared. On failure returns nullopt and sets
/// `error` to a sentence naming the bad value.
std::optional<cidr> parse_cidr(std::string_view text, std::string* error);

/// Parses a comma-separated list; blanks around items are ignored and the
/// empty string is the empty list.
std::optional<std::vector<cidr>> parse_cidr_list(std::string_view text,
                                                 std::string* error);

/// Reads an AF_INET / AF_INET6 socket address; nullopt for other families.
std::optional<ip_address> from_sockaddr(const sockaddr* addr);

/// Decides whether a download may connect to an address.
class address_policy {
public:
  explicit address_policy(std::vector<cidr> allow = {});

  /// Returns true when `addr` is a public unicast address, or lies inside
  /// one of the allowed networks. Loopback, private, link-local,
  /// unique-local, unspecified, "this network", shared (CGNAT), reserved
  /// and multicast ranges are refused otherwise.
  bool permits(const ip_address& addr) const;

  /// True when `addr` lies in one of the ranges refused by default.
  static bool is_special(const ip_address& addr);

private:
  std::vector<cidr> allow_;
};

} // namespace kumo
