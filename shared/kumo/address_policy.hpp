#pragma once

// Which network addresses an outgoing request (a download, a provider
// request) may connect to. Every address a URL resolves to is checked at
// connect time (after DNS, for every redirect), so a name that resolves to a
// refused address is refused like the address itself. An allowlist of CIDRs
// opens chosen ranges (a home LAN, a test origin on loopback, even an
// address of this machine).
//
// Refused unless allowed (IANA IPv4 and IPv6 Special-Purpose Address
// Registries, RFC 6890 and its updates, plus multicast, plus every address
// assigned to an interface of this machine):
//
//   IPv4                 what
//   0.0.0.0/8            "this network" (0.0.0.0/32: this host)
//   10.0.0.0/8           private-use
//   100.64.0.0/10        shared address space (CGNAT)
//   127.0.0.0/8          loopback
//   169.254.0.0/16       link-local (cloud metadata services)
//   172.16.0.0/12        private-use
//   192.0.0.0/24         IETF protocol assignments (DS-Lite, PCP, TURN,
//                        NAT64 discovery, ...)
//   192.0.2.0/24         documentation (TEST-NET-1)
//   192.31.196.0/24      AS112-v4
//   192.52.193.0/24      AMT
//   192.88.99.0/24       deprecated 6to4 relay anycast
//   192.168.0.0/16       private-use
//   192.175.48.0/24      direct delegation AS112 service
//   198.18.0.0/15        benchmarking
//   198.51.100.0/24      documentation (TEST-NET-2)
//   203.0.113.0/24       documentation (TEST-NET-3)
//   224.0.0.0/4          multicast
//   240.0.0.0/4          reserved (255.255.255.255: limited broadcast)
//
//   IPv6                 what
//   ::/128, ::1/128      unspecified, loopback
//   ::/96                IPv4-compatible (deprecated): judged as its IPv4
//   ::ffff:0:0/96        IPv4-mapped: judged as its IPv4
//   64:ff9b::/96         NAT64 well-known prefix: judged as its IPv4
//   64:ff9b:1::/48       local-use IPv4/IPv6 translation
//   100::/64             discard-only
//   100:0:0:1::/64       dummy prefix
//   2001::/23            IETF protocol assignments (Teredo 2001::/32,
//                        benchmarking, AMT, AS112, ORCHID, DET, anycast)
//   2001:db8::/32        documentation
//   2002::/16            6to4: judged as the IPv4 in bits 16..47
//   2620:4f:8000::/48    direct delegation AS112 service
//   3fff::/20            documentation
//   5f00::/16            SRv6 segment identifiers
//   fc00::/7             unique-local
//   fe80::/10            link-local
//   fec0::/10            site-local (deprecated)
//   ff00::/8             multicast
//   outside 2000::/3     not global unicast (unassigned space)
//
// A few of these (AS112, AMT, the protocol anycasts) are globally reachable,
// but no download origin lives there; refusing them costs nothing.

#include "kumo/result.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
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

  friend bool operator==(const ip_address& a, const ip_address& b) {
    return a.bytes == b.bytes;
  }
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
/// bits beyond the prefix are cleared. A failure (errc::invalid_argument)
/// carries a sentence naming the bad value.
result<cidr> parse_cidr(std::string_view text);

/// Parses a comma-separated list; blanks around items are ignored and the
/// empty string is the empty list. Fails on the first bad item.
result<std::vector<cidr>> parse_cidr_list(std::string_view text);

/// Reads an AF_INET / AF_INET6 socket address; nullopt for other families.
std::optional<ip_address> from_sockaddr(const sockaddr* addr);

/// The IPv4 address (in mapped form) that an IPv4-compatible, NAT64
/// (64:ff9b::/96) or 6to4 (2002::/16) address embeds; nullopt for any
/// other address. IPv4 and IPv4-mapped addresses are IPv4 already.
std::optional<ip_address> embedded_ipv4(const ip_address& addr);

/// The addresses assigned to this machine's interfaces right now, or
/// nullopt when they cannot be read (the policy then refuses everything it
/// does not allow explicitly: it fails closed).
using local_address_source =
    std::function<std::optional<std::vector<ip_address>>()>;

/// Decides whether a download may connect to an address. Thread-safe when
/// its local address source is.
class address_policy {
public:
  /// Checks the special-purpose ranges only (no local addresses): enough
  /// for a literal address checked where no connection is made.
  explicit address_policy(std::vector<cidr> allow = {});

  /// Also refuses every address `local` reports, asked on each check.
  address_policy(std::vector<cidr> allow, local_address_source local);

  /// Returns true when `addr` lies inside one of the allowed networks, or
  /// is refused by no rule (see the table above; an address embedding IPv4
  /// is judged, and allowed, by that IPv4 address as well).
  bool permits(const ip_address& addr) const;

  /// "" when `addr` is permitted; otherwise why not, e.g.
  /// "192.0.2.0/24 (documentation)" or "assigned to a local interface".
  std::string refusal(const ip_address& addr) const;

  /// True when `addr` is refused by default (special-purpose or not
  /// global unicast), local addresses aside.
  static bool is_special(const ip_address& addr);

  /// The name of the default rule refusing `addr`, "" when none does.
  static std::string special_reason(const ip_address& addr);

private:
  bool allowed(const ip_address& addr) const;

  std::vector<cidr> allow_;
  local_address_source local_;
};

} // namespace kumo
