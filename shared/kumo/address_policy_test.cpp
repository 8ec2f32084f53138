#include "kumo/address_policy.hpp"
#include "kumo/local_addresses.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

using namespace kumo;

namespace {

ip_address ip(const char* text) {
  auto parsed = parse_ip(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(ip_address{});
}

cidr net(const char* text) {
  auto parsed = parse_cidr(text);
  EXPECT_TRUE(parsed) << text << ": "
                      << (parsed ? std::string{} : parsed.error().message);
  return parsed ? *parsed : cidr{};
}

} // namespace

TEST(cidr, parses_addresses_of_both_families) {
  EXPECT_EQ(ip("192.168.1.10").to_string(), "192.168.1.10");
  EXPECT_TRUE(ip("192.168.1.10").is_v4_mapped());
  EXPECT_EQ(ip("fe80::1").to_string(), "fe80::1");
  EXPECT_FALSE(ip("fe80::1").is_v4_mapped());
  EXPECT_FALSE(parse_ip(""));
  EXPECT_FALSE(parse_ip("example.com"));
  EXPECT_FALSE(parse_ip("1.2.3"));
  EXPECT_FALSE(parse_ip("256.1.1.1"));
}

TEST(cidr, matches_ipv4_networks) {
  auto lan = net("192.168.0.0/16");
  EXPECT_TRUE(lan.contains(ip("192.168.0.1")));
  EXPECT_TRUE(lan.contains(ip("192.168.255.255")));
  EXPECT_FALSE(lan.contains(ip("192.169.0.1")));
  EXPECT_FALSE(lan.contains(ip("fe80::1")));
  auto host = net("127.0.0.1/32");
  EXPECT_TRUE(host.contains(ip("127.0.0.1")));
  EXPECT_FALSE(host.contains(ip("127.0.0.2")));
  EXPECT_TRUE(net("10.1.2.3").contains(ip("10.1.2.3"))); // bare address
  EXPECT_FALSE(net("10.1.2.3").contains(ip("10.1.2.4")));
  EXPECT_TRUE(net("0.0.0.0/0").contains(ip("8.8.8.8")));
  EXPECT_FALSE(net("0.0.0.0/0").contains(ip("2001:db8::1")));
}

TEST(cidr, clears_host_bits_and_handles_odd_prefixes) {
  auto odd = net("172.16.9.9/12");
  EXPECT_EQ(odd.network.to_string(), "172.16.0.0");
  EXPECT_TRUE(odd.contains(ip("172.31.255.255")));
  EXPECT_FALSE(odd.contains(ip("172.32.0.0")));
  EXPECT_FALSE(odd.contains(ip("172.15.255.255")));
}

TEST(cidr, matches_ipv6_networks) {
  auto ula = net("fc00::/7");
  EXPECT_TRUE(ula.contains(ip("fd12:3456::1")));
  EXPECT_FALSE(ula.contains(ip("fe00::1")));
  EXPECT_TRUE(net("::1/128").contains(ip("::1")));
  EXPECT_FALSE(net("::1/128").contains(ip("::2")));
  // An IPv4-mapped IPv6 address is the IPv4 address.
  EXPECT_TRUE(net("127.0.0.0/8").contains(ip("::ffff:127.0.0.1")));
}

TEST(cidr, rejects_malformed_networks_with_a_clear_error) {
  for (const char* bad :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x",
        "10.0.0.0/-1", "foo/8", "10.0.0.0/0008"}) {
    auto parsed = parse_cidr(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, errc::invalid_argument);
    const auto& error = parsed.error().message;
    EXPECT_NE(error.find("is not a CIDR"), std::string::npos) << error;
  }
}

TEST(cidr, parses_comma_separated_lists) {
  auto empty = parse_cidr_list("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto two = parse_cidr_list(" 127.0.0.1/32 , fd00::/8,");
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(two->size(), 2u);
  auto bad = parse_cidr_list("127.0.0.1/32,nonsense");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("nonsense"), std::string::npos);
}

TEST(cidr, default_policy_refuses_internal_addresses) {
  address_policy policy;
  for (const char* denied : {"127.0.0.1",
                             "127.1.2.3",
                             "10.0.0.1",
                             "172.16.0.1",
                             "172.31.0.1",
                             "192.168.1.1",
                             "169.254.169.254",
                             "0.0.0.0",
                             "0.1.2.3",
                             "224.0.0.1",
                             "239.255.255.250",
                             "255.255.255.255",
                             "100.64.0.1",
                             "::1",
                             "::",
                             "fe80::1",
                             "febf::1",
                             "fc00::1",
                             "fdff::1",
                             "ff02::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.0.0.1",
                             "64:ff9b::a00:1"}) {
    EXPECT_FALSE(policy.permits(ip(denied))) << denied;
  }
  for (const char* allowed : {"93.184.216.34", "8.8.8.8", "172.32.0.1",
                              "2606:4700::1111", "1.1.1.1"}) {
    EXPECT_TRUE(policy.permits(ip(allowed))) << allowed;
  }
}

TEST(cidr, allowlist_opens_only_the_listed_networks) {
  auto allow = parse_cidr_list("127.0.0.1/32,192.168.1.0/24");
  ASSERT_TRUE(allow);
  address_policy policy{*allow};
  EXPECT_TRUE(policy.permits(ip("127.0.0.1")));
  EXPECT_FALSE(policy.permits(ip("127.0.0.2")));
  EXPECT_TRUE(policy.permits(ip("192.168.1.77")));
  EXPECT_FALSE(policy.permits(ip("192.168.2.1")));
  EXPECT_FALSE(policy.permits(ip("10.0.0.1")));
  EXPECT_FALSE(policy.permits(ip("::1")));
  EXPECT_TRUE(policy.permits(ip("8.8.8.8")));
}

TEST(cidr, reads_socket_addresses) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "10.9.8.7", &v4.sin_addr);
  auto a = from_sockaddr(reinterpret_cast<sockaddr*>(&v4));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "10.9.8.7");
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "fe80::42", &v6.sin6_addr);
  auto b = from_sockaddr(reinterpret_cast<sockaddr*>(&v6));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "fe80::42");
  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_FALSE(from_sockaddr(&other));
  EXPECT_FALSE(from_sockaddr(nullptr));
}

TEST(cidr, default_policy_refuses_every_special_purpose_range) {
  address_policy policy;
  for (const char* denied :
       {"0.0.0.0",      "192.0.0.9",       "192.0.0.170",     "192.0.2.1",
        "192.31.196.1", "192.52.193.1",    "192.88.99.1",     "192.175.48.1",
        "198.18.0.1",   "198.19.255.255",  "198.51.100.7",    "203.0.113.9",
        "240.0.0.1",    "255.255.255.255", "100::1",          "100:0:0:1::1",
        "64:ff9b:1::1", "2001::1",         "2001:0:4136::1",  "2001:2::1",
        "2001:1ff::1",  "2001:db8::1",     "2620:4f:8000::1", "3fff::1",
        "5f00::1",      "fec0::1",         "ff0e::1",         "4000::1",
        "1::1"}) {
    EXPECT_FALSE(policy.permits(ip(denied))) << denied;
    EXPECT_NE(policy.refusal(ip(denied)), "") << denied;
  }
  // Neighbours of those ranges are public.
  for (const char* allowed : {"192.0.1.255", "192.0.3.0", "198.17.255.255",
                              "198.20.0.0", "203.0.114.1", "223.255.255.255",
                              "2001:200::1", "2001:db9::1", "3fff:1000::1"}) {
    EXPECT_TRUE(policy.permits(ip(allowed))) << allowed;
  }
  EXPECT_EQ(policy.refusal(ip("198.51.100.7")),
            "198.51.100.0/24 (documentation)");
  EXPECT_EQ(policy.refusal(ip("2001:0:4136::1")), "2001::/32 (Teredo)");
}

TEST(cidr, ipv6_forms_that_embed_ipv4_are_judged_by_that_ipv4) {
  address_policy policy;
  // 93.184.216.34 = 5db8:d822, 127.0.0.1 = 7f00:1, 10.0.0.1 = a00:1.
  for (const char* denied :
       {"::ffff:127.0.0.1", "::ffff:198.51.100.1", "::7f00:1", "::a00:1",
        "64:ff9b::7f00:1", "64:ff9b::c0a8:101", "2002:7f00:1::1",
        "2002:a00:1::", "2002:a9fe:a9fe::1"}) {
    EXPECT_FALSE(policy.permits(ip(denied))) << denied;
  }
  for (const char* allowed : {"::ffff:93.184.216.34", "::5db8:d822",
                              "64:ff9b::5db8:d822", "2002:5db8:d822::1"}) {
    EXPECT_TRUE(policy.permits(ip(allowed))) << allowed;
  }
  EXPECT_EQ(policy.refusal(ip("64:ff9b::7f00:1")),
            "embeds 127.0.0.1, 127.0.0.0/8 (loopback)");
  auto v4 = embedded_ipv4(ip("2002:5db8:d822::1"));
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "93.184.216.34");
  EXPECT_FALSE(embedded_ipv4(ip("2606:4700::1111")));
  // The allowlist opens the embedded address too.
  address_policy loopback{*parse_cidr_list("127.0.0.1/32")};
  EXPECT_TRUE(loopback.permits(ip("64:ff9b::7f00:1")));
  EXPECT_FALSE(loopback.permits(ip("64:ff9b::7f00:2")));
}

TEST(cidr, addresses_of_local_interfaces_are_refused_unless_allowed) {
  // Public-looking addresses that no other rule refuses, declared local.
  auto local = [] {
    return std::optional<std::vector<ip_address>>{
        {ip("93.184.216.34"), ip("2606:4700::1111")}};
  };
  address_policy policy{{}, local};
  for (const char* denied :
       {"93.184.216.34", "::ffff:93.184.216.34", "64:ff9b::5db8:d822",
        "2002:5db8:d822::1", "2606:4700::1111"}) {
    EXPECT_FALSE(policy.permits(ip(denied))) << denied;
    EXPECT_EQ(policy.refusal(ip(denied)), "assigned to a local interface")
        << denied;
  }
  EXPECT_TRUE(policy.permits(ip("93.184.216.35")));
  EXPECT_TRUE(policy.permits(ip("8.8.8.8")));
  // Without a local source (the add-time check) they pass.
  EXPECT_TRUE(address_policy{}.permits(ip("93.184.216.34")));

  address_policy allowed{*parse_cidr_list("93.184.216.34/32"), local};
  EXPECT_TRUE(allowed.permits(ip("93.184.216.34")));
  EXPECT_FALSE(allowed.permits(ip("2606:4700::1111")));
}

TEST(cidr, unknown_local_addresses_refuse_everything_not_allowed) {
  auto unknown = [] { return std::optional<std::vector<ip_address>>{}; };
  address_policy policy{*parse_cidr_list("93.184.216.34/32"), unknown};
  EXPECT_FALSE(policy.permits(ip("8.8.8.8")));
  EXPECT_EQ(policy.refusal(ip("8.8.8.8")),
            "the addresses of local interfaces cannot be read");
  EXPECT_TRUE(policy.permits(ip("93.184.216.34")));
}

TEST(cidr, reads_the_addresses_of_this_machine) {
  auto list = read_interface_addresses();
  ASSERT_TRUE(list);
  auto loopback = ip("127.0.0.1");
  EXPECT_NE(std::find(list->begin(), list->end(), loopback), list->end());
  auto cached = cached_interface_addresses(std::chrono::seconds(60));
  auto first = cached();
  ASSERT_TRUE(first);
  EXPECT_NE(std::find(first->begin(), first->end(), loopback), first->end());
  address_policy policy{{}, cached};
  EXPECT_EQ(policy.refusal(loopback), "127.0.0.0/8 (loopback)");
}
