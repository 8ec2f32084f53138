#pragma once

// The rules a download source URL must follow before it is queued. A host
// written as an address literal is checked here against the same address
// policy the downloader applies at connect time, in every spelling a URL
// parser accepts for it (dotted, decimal, octal and hexadecimal IPv4,
// bracketed IPv6 including IPv4-mapped, a trailing dot). Host names are
// left to the downloader, which checks every address they resolve to.

#include "kumo/address_policy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kumo::contracts {

constexpr size_t max_url_bytes = 2048;

/// The address an IPv4 host literal denotes, in any form inet_aton and
/// URL parsers accept: one to four parts, each decimal, octal (leading 0)
/// or hexadecimal (0x), the last part filling the remaining bytes; one
/// trailing dot allowed. nullopt when `host` is not such a literal.
std::optional<ip_address> ipv4_literal(std::string_view host);

/// True when `host` must be read as an IPv4 literal: its last label starts
/// with a digit (so "1.2.3.999" is a bad address, not a name).
bool looks_like_ipv4(std::string_view host);

/// Why `url` cannot be a download source, or nullopt when it can: printable
/// ASCII, at most max_url_bytes, http or https, a host, an optional port
/// 1..65535, no user info, and a literal address only when `policy`
/// permits it. The sentence starts with a verb ("must ...", "has ...").
std::optional<std::string> source_url_problem(const std::string& url,
                                              const address_policy& policy);

} // namespace kumo::contracts
