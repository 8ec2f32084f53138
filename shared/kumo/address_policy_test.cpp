#include "kumo/address_policy.hpp"

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
  std::string error;
  auto parsed = parse_cidr(text, &error);
  EXPECT_TRUE(parsed) << text << ": " << error;
  return parsed.value_or(cidr{});
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
    std::string error;
    EXPECT_FALSE(parse_cidr(bad, &error)) << bad;
    EXPECT_NE(error.find("is not a CIDR"), std::string::npos) << error;
  }
}

TEST(cidr, parses_comma_separated_lists) {
  std::string error;
  auto empty = parse_cidr_list("", &error);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto two = parse_cidr_list(" 127.0.0.1/32 , fd00::/8,", &error);
  ASSERT_TRUE(two) << error;
  EXPECT_EQ(two->size(), 2u);
  EXPECT_FALSE(parse_cidr_list("127.0.0.1/32,nonsense", &error));
  EXPECT_NE(error.find("nonsense"), std::string::npos);
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
                              "2606:4700::1111", "2001:db8::1", "1.1.1.1"}) {
    EXPECT_TRUE(policy.permits(ip(allowed))) << allowed;
  }
}

TEST(cidr, allowlist_opens_only_the_listed_networks) {
  std::string error;
  auto allow = parse_cidr_list("127.0.0.1/32,192.168.1.0/24", &error);
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
