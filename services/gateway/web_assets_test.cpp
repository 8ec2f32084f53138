#include "web_assets.hpp"

#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <string>

using namespace kumo::gateway;

namespace {

std::vector<web_asset> sample() {
  return {{"app.js", "\"a1\"", "js", "gz"},
          {"index.html", "\"i1\"", "<html>", "gz"}};
}

} // namespace

TEST(web_assets, paths_name_index_and_assets_only) {
  auto assets = sample();
  EXPECT_EQ(find_web_asset(assets, "/")->name, "index.html");
  EXPECT_EQ(find_web_asset(assets, "/assets/app.js")->name, "app.js");
  // Tried: the index under /assets, unknown files, other prefixes,
  // traversal and an empty name. None is served.
  for (const char* path : {"/assets/index.html", "/assets/nope.js", "/app.js",
                           "/assets/", "/assets/../index.html", "/index.html",
                           "/api/app.js", "/ASSETS/app.js"})
    EXPECT_FALSE(find_web_asset(assets, path)) << path;
}

TEST(web_assets, content_types_by_extension) {
  EXPECT_EQ(web_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(web_content_type("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(web_content_type("queue.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(web_content_type("icon.svg"), "image/svg+xml");
  EXPECT_EQ(web_content_type("notes"), "application/octet-stream");
  EXPECT_EQ(web_content_type(".js"), "application/octet-stream");
}

TEST(web_assets, etag_lists_weak_tags_and_star) {
  EXPECT_TRUE(etag_matches("\"a1\"", "\"a1\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"a1\"", "\"a1\""));
  EXPECT_TRUE(etag_matches("*", "\"a1\""));
  EXPECT_FALSE(etag_matches("", "\"a1\""));
  EXPECT_FALSE(etag_matches("a1", "\"a1\""));
  EXPECT_FALSE(etag_matches("\"a1x\"", "\"a1\""));
}

TEST(web_assets, gzip_only_when_accepted) {
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
}

TEST(web_assets, embedded_files_are_complete_and_self_contained) {
  const auto& assets = web_assets();
  ASSERT_TRUE(find_web_asset(assets, "/"));
  std::set<std::string> names;
  for (const auto& a : assets) {
    names.emplace(a.name);
    EXPECT_FALSE(a.body.empty()) << a.name;
    EXPECT_LT(a.gzip.size(), a.body.size() + 64) << a.name;
    EXPECT_EQ(a.etag.front(), '"') << a.name;
    EXPECT_NE(web_content_type(a.name), "application/octet-stream") << a.name;
  }
  // Every file a page or module refers to (also by a dynamic import) is
  // embedded, and no page carries an inline script, inline style or
  // external origin (the CSP forbids them, so they would silently not work).
  std::regex ref(
      R"re((?:src|href)="/assets/([^"]+)"|(?:from |import\()'\./([^']+)')re");
  for (const auto& a : assets) {
    std::string text{a.body};
    for (std::sregex_iterator it(text.begin(), text.end(), ref), end; it != end;
         ++it) {
      auto name = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      EXPECT_TRUE(names.count(name)) << a.name << " refers to " << name;
    }
    EXPECT_EQ(text.find("<style"), std::string::npos) << a.name;
    EXPECT_EQ(text.find(" style="), std::string::npos) << a.name;
    if (web_content_type(a.name) != "image/svg+xml") { // xmlns is a URI
      EXPECT_EQ(text.find("http://"), std::string::npos) << a.name;
      EXPECT_EQ(text.find("https://"), std::string::npos) << a.name;
    }
    for (auto at = text.find("<script"); at != std::string::npos;
         at = text.find("<script", at + 1)) {
      auto tag = text.substr(at, text.find('>', at) - at);
      EXPECT_NE(tag.find(" src="), std::string::npos) << a.name << ": " << tag;
    }
  }
}
