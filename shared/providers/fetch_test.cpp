// The providers' fetcher against a local origin that misbehaves.

#include "fetch.hpp"
#include "test_origin.hpp"

#include <gtest/gtest.h>

namespace kumo::providers {
namespace {

using downloader::testing::origin_request;
using downloader::testing::origin_response;
using downloader::testing::test_origin;

fetcher loopback_fetcher(fetch_limits lim = {}) {
  auto policy =
      std::make_shared<const address_policy>(*parse_cidr_list("127.0.0.1/32"));
  return {policy, lim};
}

TEST(Fetch, ReadsABody) {
  test_origin origin([](const origin_request&) {
    origin_response r;
    r.body = "<rss/>";
    r.headers.emplace_back("Content-Type", "application/rss+xml");
    return r;
  });
  auto got = loopback_fetcher().get(origin.url("/feed.xml"));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, "<rss/>");
  EXPECT_EQ(got->content_type, "application/rss+xml");
}

TEST(Fetch, AHugeBodyIsCutAtTheCap) {
  // Tried: 9 MiB with a Content-Length, then 9 MiB without one.
  for (bool length : {true, false}) {
    test_origin origin([length](const origin_request&) {
      origin_response r;
      r.body.assign(std::size_t{9} << 20, 'x');
      r.send_length = length;
      return r;
    });
    auto got = loopback_fetcher().get(origin.url("/big"));
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().message.find("larger than 8388608 bytes"),
              std::string::npos)
        << got.error();
  }
}

TEST(Fetch, ARedirectToAForbiddenAddressIsRefused) {
  // Tried: a redirect to another loopback address and to a private one;
  // neither is in the allowlist, so no connection is opened.
  for (std::string target : {"http://127.0.0.2:9/x", "http://10.1.2.3/x"}) {
    test_origin origin([target](const origin_request&) {
      origin_response r;
      r.status = 302;
      r.reason = "Found";
      r.headers.emplace_back("Location", target);
      return r;
    });
    auto got = loopback_fetcher().get(origin.url("/feed"));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, errc::invalid_argument);
    EXPECT_NE(got.error().message.find("is not allowed"), std::string::npos)
        << got.error();
  }
}

TEST(Fetch, TooManyRedirectsFail) {
  test_origin origin([](const origin_request& req) {
    origin_response r;
    r.status = 302;
    r.reason = "Found";
    r.headers.emplace_back("Location", req.path + "x");
    return r;
  });
  auto got = loopback_fetcher().get(origin.url("/r"));
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("more than 3 redirects"),
            std::string::npos)
      << got.error();
}

TEST(Fetch, ASlowOriginRunsIntoTheDeadline) {
  // Tried: a body dribbled one byte every 200 ms against a 1 s deadline.
  test_origin origin([](const origin_request&) {
    origin_response r;
    r.body.assign(100, 'x');
    r.chunk = 1;
    r.chunk_delay = std::chrono::milliseconds(200);
    return r;
  });
  fetch_limits lim;
  lim.timeout = std::chrono::milliseconds(1000);
  auto start = std::chrono::steady_clock::now();
  auto got = loopback_fetcher(lim).get(origin.url("/slow"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::timeout) << got.error();
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(Fetch, RefusesOtherSchemesAndForbiddenAddresses) {
  // Tried: file:, gopher:, and the loopback origin without an allowlist.
  auto f = loopback_fetcher();
  EXPECT_FALSE(f.get("file:///etc/passwd"));
  EXPECT_FALSE(f.get("gopher://127.0.0.1/"));
  test_origin origin([](const origin_request&) { return origin_response{}; });
  fetcher strict(std::make_shared<const address_policy>(), {});
  auto got = strict.get(origin.url("/"));
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("is not allowed"), std::string::npos);
  EXPECT_TRUE(origin.requests().empty());
}

TEST(Fetch, ErrorStatusesFail) {
  test_origin origin([](const origin_request&) {
    origin_response r;
    r.status = 404;
    r.reason = "Not Found";
    return r;
  });
  auto got = loopback_fetcher().get(origin.url("/gone"));
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("HTTP 404"), std::string::npos);
}

} // namespace
} // namespace kumo::providers
