// Source URLs: literal addresses in every spelling a URL parser accepts are
// checked against the address policy at add time.

#include "kumo/contracts/source_url.hpp"

#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::contracts;

namespace {

address_policy allowing(const std::string& cidrs) {
  return address_policy{*parse_cidr_list(cidrs)};
}

std::string problem(const std::string& url,
                    const address_policy& policy = address_policy{}) {
  return source_url_problem(url, policy).value_or("");
}

} // namespace

TEST(source_url, ipv4_literals_in_every_form) {
  for (auto [text, dotted] : {std::pair{"127.0.0.1", "127.0.0.1"},
                              {"2130706433", "127.0.0.1"},
                              {"0x7f.1", "127.0.0.1"},
                              {"017700000001", "127.0.0.1"},
                              {"0x7f000001", "127.0.0.1"},
                              {"127.1", "127.0.0.1"},
                              {"127.0.1", "127.0.0.1"},
                              {"0177.0.0.01", "127.0.0.1"},
                              {"10.0.0.1.", "10.0.0.1"},
                              {"0", "0.0.0.0"}}) {
    auto addr = ipv4_literal(text);
    ASSERT_TRUE(addr) << text;
    EXPECT_EQ(addr->to_string(), dotted) << text;
  }
  for (auto text : {"256.0.0.1", "1.2.3.4.5", "0x1g.0.0.1", "08.0.0.1",
                    "4294967296", "1.2.65536", "", "1..2"})
    EXPECT_FALSE(ipv4_literal(text)) << text;
}

TEST(source_url, refuses_literal_addresses_the_policy_refuses) {
  for (auto url :
       {"http://127.0.0.1/e.mkv", "http://2130706433/", "http://0x7f.1/",
        "http://017700000001/", "http://127.0.0.1./e", "http://[::1]/",
        "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]:8080/e",
        "http://10.0.0.1/", "https://192.168.1.20:8443/e", "http://0/",
        "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/",
        "http://[fd00::1]/"}) {
    auto why = problem(url);
    EXPECT_NE(why.find("an address downloads may not reach"), std::string::npos)
        << url << ": " << why;
  }
}

TEST(source_url, the_allowlist_opens_chosen_ranges) {
  auto policy = allowing("127.0.0.1/32, 10.0.0.0/8");
  EXPECT_EQ(problem("http://127.0.0.1:9/e.mkv", policy), "");
  EXPECT_EQ(problem("http://2130706433/", policy), "");
  EXPECT_EQ(problem("http://10.1.2.3/", policy), "");
  EXPECT_NE(problem("http://127.0.0.2/", policy), "");
  EXPECT_NE(problem("http://[::1]/", policy), "");
}

TEST(source_url, public_literals_and_names_pass) {
  EXPECT_EQ(problem("http://93.184.216.34/e.mkv"), "");
  EXPECT_EQ(problem("https://[2606:2800:220:1::]/e"), "");
  EXPECT_EQ(problem("https://cdn.example.com:8443/a/b.mkv?x=1#f"), "");
  // Names are checked by the downloader after DNS.
  EXPECT_EQ(problem("http://localhost/e"), "");
}

TEST(source_url, refuses_userinfo_tricks_and_malformed_hosts) {
  EXPECT_NE(problem("http://a@127.0.0.1/").find("credentials"),
            std::string::npos);
  EXPECT_NE(problem("http://example.com@127.0.0.1/").find("credentials"),
            std::string::npos);
  EXPECT_NE(problem("http://user:pw@example.com/").find("credentials"),
            std::string::npos);
  for (auto url :
       {"http:///e", "http://:80/e", "http://[::1/", "http://[zz::1]/",
        "http://[::1]x/", "http://%31%32%37.0.0.1/", "http://999.1.1.1/",
        "http://1.2.3.4.5/", "http://example.com:0/", "http://example.com:x/",
        "http://example.com:65536/", "http://[fe80::1%25lo]/"})
    EXPECT_NE(problem(url), "") << url;
}

TEST(source_url, refuses_schemes_controls_and_oversized_urls) {
  for (auto url : {"file:///etc/passwd", "ftp://example.com/e",
                   "javascript:alert(1)", "gopher://example.com/",
                   "http://exa mple.com/", "http://example.com/\x01",
                   "http://example.com/\\..\\", "http://ex\xc3\xa4mple.com/"})
    EXPECT_NE(problem(url), "") << url;
  EXPECT_NE(problem("http://example.com/" + std::string(3000, 'a'))
                .find("longer than 2048"),
            std::string::npos);
}
