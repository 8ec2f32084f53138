#include "notify_logic.hpp"

#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::queue::notify;
using json = nlohmann::json;

namespace {

const address_policy public_only{};

json webhook_body_json() {
  return {{"name", "hook"},
          {"kind", "webhook"},
          {"url", "https://hooks.example.com/kumo"},
          {"secret", "s3cret"}};
}

} // namespace

TEST(notify_target, create_needs_name_kind_url_and_secret) {
  for (const char* field : {"name", "kind", "url", "secret"}) {
    auto body = webhook_body_json();
    body.erase(field);
    auto t = merge_target({}, body, true, public_only);
    ASSERT_FALSE(t) << field;
    EXPECT_EQ(t.error().field, field);
  }
  EXPECT_TRUE(merge_target({}, webhook_body_json(), true, public_only));
}

TEST(notify_target, refuses_loopback_and_lan_unless_allowed) {
  for (const char* url : {"http://127.0.0.1:9/x", "http://192.168.1.5/",
                          "http://[::1]:80/", "http://0x7f000001/"}) {
    auto body = webhook_body_json();
    body["url"] = url;
    auto t = merge_target({}, body, true, public_only);
    ASSERT_FALSE(t) << url;
    EXPECT_EQ(t.error().field, "url");
    EXPECT_NE(t.error().message.find("KUMO_NOTIFY_ALLOW_CIDRS"),
              std::string::npos)
        << t.error().message;
  }
  auto allow = parse_cidr_list("127.0.0.0/8");
  ASSERT_TRUE(allow);
  auto body = webhook_body_json();
  body["url"] = "http://127.0.0.1:9/x";
  EXPECT_TRUE(merge_target({}, body, true, address_policy{*allow}));
}

TEST(notify_target, refuses_bad_values_naming_the_field) {
  struct bad {
    const char* field;
    json value;
  };
  for (const auto& b :
       {bad{"kind", "email"}, bad{"url", "ftp://example.com/"},
        bad{"url", "https://user:pw@example.com/"}, bad{"name", ""},
        bad{"name", 12}, bad{"secret", std::string(600, 'x')},
        bad{"events", json::array({"nope"})}, bad{"enabled", "yes"},
        bad{"section", "12a"}}) {
    auto body = webhook_body_json();
    body[b.field] = b.value;
    auto t = merge_target({}, body, true, public_only);
    ASSERT_FALSE(t) << b.field << " " << b.value;
    EXPECT_EQ(t.error().field.substr(0, std::string{b.field}.size()), b.field);
  }
}

TEST(notify_target, plex_needs_a_section_and_connectors_default_to_imports) {
  auto body = webhook_body_json();
  body["kind"] = "plex";
  auto t = merge_target({}, body, true, public_only);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().field, "section");
  body["section"] = "3";
  t = merge_target({}, body, true, public_only);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->events, (std::vector<std::string>{"episode.imported", "test"}));
}

TEST(notify_target, update_keeps_absent_fields_and_public_json_hides_secret) {
  auto t = merge_target({}, webhook_body_json(), true, public_only);
  ASSERT_TRUE(t);
  auto u = merge_target(*t, {{"enabled", false}}, false, public_only);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->secret, "s3cret");
  EXPECT_FALSE(u->enabled);
  auto shown = to_public_json(*u).dump();
  EXPECT_EQ(shown.find("s3cret"), std::string::npos);
  EXPECT_NE(shown.find("<redacted>"), std::string::npos);
}

TEST(notify_call, webhook_is_signed_with_hmac_sha256_of_the_body) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  target t;
  t.url = "https://hooks.example.com/kumo";
  t.secret = "k";
  delivery d{"5a0c", "episode.imported", {{"item", "x"}}, "2026-01-01", 1, 0};
  auto call = build_call(t, d, 1700000000);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.body, webhook_body(d));
  auto body = json::parse(call.body);
  EXPECT_EQ(body["id"], "5a0c");
  EXPECT_EQ(body["data"]["item"], "x");
  auto has = [&](const std::string& line) {
    return std::find(call.headers.begin(), call.headers.end(), line) !=
           call.headers.end();
  };
  EXPECT_TRUE(
      has("X-Kumo-Signature: sha256=" + hmac_sha256_hex("k", call.body)));
  EXPECT_TRUE(has("X-Kumo-Timestamp: 1700000000"));
  // Another attempt of the same delivery sends the same body.
  d.attempts = 2;
  EXPECT_EQ(build_call(t, d, 1700000099).body, call.body);
}

TEST(notify_call, jellyfin_and_plex_refresh_without_showing_the_token) {
  target j;
  j.kind = "jellyfin";
  j.url = "http://media.example.com:8096/";
  j.secret = "jf-key";
  auto call = build_call(j, {}, 0);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://media.example.com:8096/Library/Refresh");
  EXPECT_EQ(call.headers, (std::vector<std::string>{"X-Emby-Token: jf-key"}));
  target p;
  p.kind = "plex";
  p.url = "http://plex.example.com:32400";
  p.secret = "a b&c";
  p.section = "2";
  call = build_call(p, {}, 0);
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.url, "http://plex.example.com:32400/library/sections/2/"
                      "refresh?X-Plex-Token=a%20b%26c");
  EXPECT_EQ(call.shown_url.find("a%20b"), std::string::npos);
}

TEST(notify_retry, delays_double_up_to_the_cap_and_give_up_by_count_or_age) {
  retry_rules r;
  r.base_delay_ms = 1000;
  r.max_delay_ms = 5000;
  r.max_attempts = 5;
  r.max_age_ms = 60'000;
  EXPECT_EQ(retry_delay_ms(1, r), 1000);
  EXPECT_EQ(retry_delay_ms(2, r), 2000);
  EXPECT_EQ(retry_delay_ms(3, r), 4000);
  EXPECT_EQ(retry_delay_ms(4, r), 5000);
  EXPECT_FALSE(gives_up(4, 1000, r));
  EXPECT_TRUE(gives_up(5, 1000, r));
  EXPECT_TRUE(gives_up(1, 59'500, r));
  EXPECT_TRUE(is_delivered(204));
  EXPECT_FALSE(is_delivered(500));
  EXPECT_FALSE(is_delivered(0));
}
