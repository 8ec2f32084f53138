#include "series_requests.hpp"

#include <gtest/gtest.h>
#include <vector>

using namespace kumo::gateway;
using json = nlohmann::json;

namespace {

/// Expects a refusal naming `field`.
void expect_refused(const checked_request& r, const std::string& field,
                    const std::string& what) {
  EXPECT_FALSE(r.ok()) << what << " accepted: " << r.payload.dump();
  EXPECT_EQ(r.field, field) << what;
  EXPECT_NE(r.error.find(field), std::string::npos)
      << what << ": '" << r.error << "' does not name " << field;
}

TEST(series_requests, list_converts_every_parameter_to_its_type) {
  auto r = check_series_list({{"q", "titan"},
                              {"monitored", "true"},
                              {"has_missing", "false"},
                              {"sort", "name"},
                              {"order", "desc"},
                              {"limit", "50"},
                              {"offset", "100"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.payload, json::parse(R"({"q": "titan", "monitored": true,
      "has_missing": false, "sort": "name", "order": "desc", "limit": 50,
      "offset": 100})"));
  EXPECT_EQ(check_series_list({}).payload, json::object());
  EXPECT_EQ(check_series_list({{"q", ""}}).payload, json::object());
}

TEST(series_requests, list_leaves_ranges_to_the_scanner) {
  // Integers out of the scanner's ranges convert; the scanner refuses them.
  auto r = check_series_list(
      {{"limit", "1000000"}, {"offset", "-1"}, {"sort", "bogus"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.payload["limit"], 1000000);
  EXPECT_EQ(r.payload["offset"], -1);
  EXPECT_EQ(r.payload["sort"], "bogus");
  EXPECT_EQ(
      check_series_list({{"limit", "9223372036854775807"}}).payload["limit"],
      INT64_MAX);
  EXPECT_EQ(
      check_series_list({{"offset", "-9223372036854775808"}}).payload["offset"],
      INT64_MIN);
  EXPECT_EQ(check_series_list({{"limit", "007"}}).payload["limit"], 7);
}

TEST(series_requests, list_refuses_what_is_no_integer) {
  for (const char* text :
       {"", "1e3", "1.0", "1.5", "+5", " 5", "5 ", "0x10", "ten", "-", "--1",
        "5-", "NaN", "inf", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999999", "１２", "5\r\n"}) {
    expect_refused(check_series_list({{"limit", text}}), "limit",
                   std::string("limit=") + text);
    expect_refused(check_series_list({{"offset", text}}), "offset",
                   std::string("offset=") + text);
  }
}

TEST(series_requests, list_refuses_flags_other_than_true_and_false) {
  for (const char* text : {"", "1", "0", "yes", "TRUE", "True", "on", " true"})
    for (const char* name : {"monitored", "has_missing"})
      expect_refused(check_series_list({{name, text}}), name,
                     std::string(name) + "=" + text);
}

TEST(series_requests, list_refuses_repeated_and_unknown_parameters) {
  expect_refused(check_series_list({{"limit", "5"}, {"limit", "6"}}), "limit",
                 "limit twice");
  expect_refused(check_series_list({{"q", "a"}, {"q", "a"}}), "q", "q twice");
  expect_refused(check_series_list({{"limt", "5"}}), "limt", "typo");
  expect_refused(check_series_list({{"key", "x"}}), "key", "key in list");
  // A hostile name is quoted back printable and short.
  auto r = check_series_list(
      {{std::string("a\r\nb\xff") + std::string(200, 'z'), "1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.field.substr(0, 6), "a??b?z");
  EXPECT_LE(r.field.size(), 64u);
}

TEST(series_requests, search_text_passes_through_when_utf8) {
  for (const std::string& q : std::vector<std::string>{
           "進撃の巨人", "a\r\nb", "x\"; DROP TABLE series;--", "%2F..%2F",
           std::string(5000, 'a'), "tab\there"}) {
    auto r = check_series_list({{"q", q}});
    ASSERT_TRUE(r.ok()) << q;
    EXPECT_EQ(r.payload["q"], q);
    EXPECT_NO_THROW((void)r.payload.dump());
  }
  for (const std::string& bad :
       std::vector<std::string>{"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80",
                                "\xf4\x90\x80\x80", "\xe3\x81"}) {
    expect_refused(check_series_list({{"q", bad}}), "q", "invalid UTF-8");
    expect_refused(check_series_list({{"sort", bad}}), "sort", "invalid UTF-8");
  }
}

TEST(series_requests, keys_follow_the_slug_rule) {
  for (const std::string& key :
       std::vector<std::string>{"attack-on-titan", "86-eighty-six", "a", "x1",
                                std::string(100, 'k')}) {
    auto r = check_series_key(key);
    ASSERT_TRUE(r.ok()) << key;
    EXPECT_EQ(r.payload, json({{"key", key}}));
  }
  for (const std::string& key : std::vector<std::string>{"",
                                                         "..",
                                                         ".",
                                                         "a/b",
                                                         "../etc",
                                                         "a%2Fb",
                                                         "%2e%2e",
                                                         "Attack-On-Titan",
                                                         "attack_on_titan",
                                                         "attack--titan",
                                                         "-attack",
                                                         "attack-",
                                                         "a b",
                                                         "a\r\nb",
                                                         std::string("a\0b", 3),
                                                         "進撃",
                                                         std::string(101, 'k'),
                                                         "a.b",
                                                         "a\\b",
                                                         "\xff"})
    expect_refused(check_series_key(key), "key", "key '" + key + "'");
}

TEST(series_requests, add_needs_a_json_object) {
  auto r = check_series_add(R"({"name": "Frieren", "year": 2023, "x": 1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.payload["x"], 1) << "unknown fields are the scanner's to refuse";
  for (const char* body : {"", "  ", "[]", "[1]", "\"Frieren\"", "42", "null",
                           "true", "{", "{\"name\": }", "{} {}", "\xff"})
    expect_refused(check_series_add(body), "", std::string("body ") + body);
}

TEST(series_requests, update_takes_the_key_from_the_path) {
  auto r = check_series_update("frieren", R"({"monitored": false})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.payload,
            json::parse(R"({"key": "frieren", "monitored": false})"));
  EXPECT_TRUE(check_series_update("frieren", R"({"key": "frieren"})").ok());
  expect_refused(check_series_update("frieren", R"({"key": "other"})"), "key",
                 "body key differs");
  expect_refused(check_series_update("Frieren", R"({"monitored": false})"),
                 "key", "bad path key");
  expect_refused(check_series_update("../x", "not json"), "key",
                 "bad key is named before the body");
  for (const char* body : {"", "[]", "null", "\"x\"", "{"})
    expect_refused(check_series_update("frieren", body), "",
                   std::string("body ") + body);
}

TEST(series_requests, delete_converts_delete_files) {
  EXPECT_EQ(check_series_delete("frieren", {}).payload,
            json({{"key", "frieren"}}));
  EXPECT_EQ(check_series_delete("frieren", {{"delete_files", "true"}}).payload,
            json::parse(R"({"key": "frieren", "delete_files": true})"));
  EXPECT_EQ(check_series_delete("frieren", {{"delete_files", "false"}}).payload,
            json::parse(R"({"key": "frieren", "delete_files": false})"));
  for (const char* text : {"", "1", "yes", "TRUE"})
    expect_refused(check_series_delete("frieren", {{"delete_files", text}}),
                   "delete_files", text);
  expect_refused(check_series_delete("frieren", {{"delete_files", "true"},
                                                 {"delete_files", "false"}}),
                 "delete_files", "twice");
  expect_refused(check_series_delete("frieren", {{"force", "true"}}), "force",
                 "unknown");
  expect_refused(check_series_delete("a/../b", {}), "key", "traversal");
}

TEST(series_requests, optional_bodies) {
  EXPECT_EQ(check_optional_body("").payload, json::object());
  EXPECT_EQ(check_optional_body(" \r\n").payload, json::object());
  EXPECT_EQ(check_optional_body(R"({"key": "frieren"})").payload,
            json({{"key", "frieren"}}));
  for (const char* body : {"[]", "null", "\"frieren\"", "{", "0"})
    expect_refused(check_optional_body(body), "", body);
}

TEST(series_requests, utf8_validation) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("\xc3\xa9\xe3\x81\x82\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  for (const char* bad : {"\x80", "\xc3", "\xc3\x28", "\xe3\x81", "\xc1\xbf",
                          "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xed\xbf\xbf",
                          "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe"})
    EXPECT_FALSE(is_utf8(bad))
        << json(std::string(bad))
               .dump(-1, ' ', true, json::error_handler_t::replace);
}

} // namespace
