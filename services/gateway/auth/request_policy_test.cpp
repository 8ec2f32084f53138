#include "auth/request_policy.hpp"
#include "auth/setup_token.hpp"
#include "events/session_streams.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;

namespace {

request_facts post(std::string origin, std::string content_type = "",
                   bool body = false) {
  request_facts f;
  f.method = "POST";
  f.remote_addr = "10.0.0.5";
  f.host = "kumo.local:8080";
  f.origin = std::move(origin);
  f.content_type = std::move(content_type);
  f.has_body = body;
  return f;
}

site_options trusting(const char* cidrs) {
  site_options site;
  site.trusted_proxies = *kumo::parse_cidr_list(cidrs);
  return site;
}

} // namespace

TEST(request_policy, same_origin_json_passes) {
  site_options site;
  EXPECT_FALSE(
      cross_site_problem(site, post("http://kumo.local:8080",
                                    "application/json; charset=utf-8", true)));
  EXPECT_FALSE(cross_site_problem(site, post("http://KUMO.local:8080")));
  auto fetch = post("");
  fetch.sec_fetch_site = "same-origin";
  EXPECT_FALSE(cross_site_problem(site, fetch));
  auto get = post("http://evil.example");
  get.method = "GET";
  EXPECT_FALSE(cross_site_problem(site, get));
}

TEST(request_policy, cross_site_is_refused) {
  site_options site;
  EXPECT_TRUE(cross_site_problem(site, post("http://kumo.local:8081")));
  EXPECT_TRUE(cross_site_problem(site, post("http://a.kumo.local:8080")));
  EXPECT_TRUE(cross_site_problem(site, post("null")));
  EXPECT_TRUE(cross_site_problem(site, post("")));
  auto sibling = post("");
  sibling.sec_fetch_site = "same-site";
  EXPECT_TRUE(cross_site_problem(site, sibling));
  EXPECT_TRUE(cross_site_problem(
      site, post("http://kumo.local:8080", "text/plain", true)));
}

TEST(request_policy, public_url_sets_the_origin) {
  site_options site;
  site.public_url = "https://kumo.example.org/";
  EXPECT_EQ(own_origin(site, post("")), "https://kumo.example.org");
  EXPECT_FALSE(cross_site_problem(site, post("https://kumo.example.org:443")));
  EXPECT_TRUE(cross_site_problem(site, post("http://kumo.local:8080")));
  EXPECT_TRUE(served_over_https(site, post("")));
}

TEST(request_policy, forwarded_proto_only_from_trusted_proxies) {
  auto req = post("");
  req.forwarded_proto = "https";
  EXPECT_FALSE(served_over_https({}, req));
  EXPECT_FALSE(served_over_https(trusting("10.1.0.0/16"), req));
  EXPECT_TRUE(served_over_https(trusting("10.0.0.0/24"), req));
  EXPECT_EQ(own_origin(trusting("10.0.0.5"), req), "https://kumo.local:8080");
}

TEST(setup_token, loopback_binds) {
  EXPECT_TRUE(is_loopback_bind("127.0.0.1"));
  EXPECT_TRUE(is_loopback_bind("127.1.2.3"));
  EXPECT_TRUE(is_loopback_bind("::1"));
  EXPECT_TRUE(is_loopback_bind("localhost"));
  EXPECT_FALSE(is_loopback_bind("0.0.0.0"));
  EXPECT_FALSE(is_loopback_bind("::"));
  EXPECT_FALSE(is_loopback_bind("192.168.1.2"));
}

TEST(setup_token, is_spent_by_consume) {
  setup_token none;
  EXPECT_FALSE(none.required());
  setup_token token{"abc-123"};
  EXPECT_TRUE(token.required());
  EXPECT_FALSE(token.accepts("abc-124"));
  EXPECT_FALSE(token.accepts(""));
  EXPECT_TRUE(token.accepts("abc-123"));
  token.consume();
  EXPECT_TRUE(token.required());
  EXPECT_FALSE(token.accepts("abc-123"));
}

TEST(session_streams, revoke_ends_only_that_session) {
  session_streams streams;
  int a = 0, b = 0;
  streams.add("hash-a", [&] { ++a; });
  streams.add("hash-a", [&] { ++a; });
  auto other = streams.add("hash-b", [&] { ++b; });
  EXPECT_EQ(streams.revoke("hash-a"), 2u);
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(streams.revoke("hash-a"), 0u);
  streams.remove(other);
  EXPECT_EQ(streams.revoke("hash-b"), 0u);
  EXPECT_EQ(b, 0);
}
