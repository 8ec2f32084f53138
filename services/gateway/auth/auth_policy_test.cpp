#include "auth/auth_policy.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;

namespace {

TEST(auth_policy, only_listed_api_paths_are_public) {
  for (auto p :
       {"/api/health", "/api/auth/setup", "/api/auth/login", "/api/auth/status",
        "/api/openapi.json", "/", "/index.html", "/static/app.js"})
    EXPECT_TRUE(is_public_path(p)) << p;
  for (auto p : {"/api", "/api/", "/api/auth/logout", "/api/queue/status",
                 "/api/queue/add", "/api/events", "/api/config",
                 "/api/not-yet-written", "/api/health/", "/api/health/../queue",
                 "/API/queue/status", "/Api/health", "/api//queue/status",
                 "/api/openapi.json/x", "/api/auth/login/"})
    EXPECT_FALSE(is_public_path(p)) << p;
}

TEST(auth_policy, reads_bearer_tokens) {
  auto c = extract_credentials("Bearer abc.def", "", "");
  EXPECT_EQ(c.bearer, "abc.def");
  EXPECT_EQ(extract_credentials("bearer   xyz  ", "", "").bearer, "xyz");
  EXPECT_TRUE(extract_credentials("Basic dXNlcjpwdw==", "", "").empty());
  EXPECT_TRUE(extract_credentials("Bearer", "", "").empty());
  EXPECT_TRUE(extract_credentials("Bearer ", "", "").empty());
  EXPECT_TRUE(extract_credentials("Bearer a b", "", "").empty());
  EXPECT_TRUE(extract_credentials("Bearer a\x01", "", "").empty());
}

TEST(auth_policy, reads_api_key_header) {
  EXPECT_EQ(extract_credentials("", "k-123", "").api_key, "k-123");
  EXPECT_TRUE(extract_credentials("", "  ", "").empty());
}

TEST(auth_policy, reads_the_session_cookie) {
  EXPECT_EQ(extract_credentials("", "", "kumo_session=tok").cookie, "tok");
  EXPECT_EQ(extract_credentials("", "", "a=1; kumo_session=tok; b=2").cookie,
            "tok");
  EXPECT_EQ(extract_credentials("", "", "a=1;kumo_session=\"tok\"").cookie,
            "tok");
  EXPECT_TRUE(extract_credentials("", "", "xkumo_session=tok").empty());
  EXPECT_TRUE(extract_credentials("", "", "kumo_session=").empty());
  EXPECT_TRUE(extract_credentials("", "", "kumo_session").empty());
  EXPECT_TRUE(extract_credentials("", "", "").empty());
}

TEST(auth_policy, cookie_attributes) {
  auto set = session_cookie_header("tok", 3600);
  EXPECT_EQ(set.rfind("kumo_session=tok;", 0), 0u);
  EXPECT_NE(set.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set.find("Path=/"), std::string::npos);
  EXPECT_NE(set.find("Max-Age=3600"), std::string::npos);
  EXPECT_NE(clear_session_cookie_header().find("Max-Age=0"), std::string::npos);
}

} // namespace
