#pragma once

// The addresses assigned to this machine's interfaces, for the address
// policy: a listener bound to 0.0.0.0 answers on every one of them, so a
// download must not reach them unless allowed explicitly.

#include "kumo/address_policy.hpp"

#include <chrono>
#include <optional>
#include <vector>

namespace kumo {

/// Every IPv4 and IPv6 address of every local interface (getifaddrs), or
/// nullopt when the list cannot be read.
std::optional<std::vector<ip_address>> read_interface_addresses();

/// A source for address_policy that reads the interfaces again when its
/// list is older than `max_age` (addresses come and go: DHCP, VPNs). When a
/// read fails the last good list is kept; with none, it reports nullopt.
/// Thread-safe.
local_address_source
cached_interface_addresses(std::chrono::milliseconds max_age);

} // namespace kumo
