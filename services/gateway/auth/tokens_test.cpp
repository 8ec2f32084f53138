#include "auth/tokens.hpp"

#include <gtest/gtest.h>
#include <set>

using namespace kumo::gateway;

namespace {

TEST(tokens, base64url_round_trips) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar",
                        "\xff\xfe\xfd\x00\x01"}) {
    auto enc = base64url_encode(s);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos) << enc;
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(tokens, base64url_rejects_garbage) {
  EXPECT_FALSE(base64url_decode("Zm9v YmFy").has_value());
  EXPECT_FALSE(base64url_decode("Zm9v+mFy").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vYg==").has_value());
  EXPECT_FALSE(base64url_decode("Z").has_value());
  // Non-zero leftover bits: not what an encoder would produce.
  EXPECT_FALSE(base64url_decode("Zh").has_value());
}

TEST(tokens, session_tokens_are_random_and_well_formed) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto token = new_session_token();
    EXPECT_EQ(token.size(), 43u);
    EXPECT_TRUE(looks_like_session_token(token)) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(tokens, shape_check_rejects_forgeries) {
  auto token = new_session_token();
  EXPECT_FALSE(looks_like_session_token(token.substr(1)));
  EXPECT_FALSE(looks_like_session_token(token + "A"));
  EXPECT_FALSE(looks_like_session_token(""));
  EXPECT_FALSE(looks_like_session_token(std::string(43, '*')));
  auto bad = token;
  bad[10] = '.';
  EXPECT_FALSE(looks_like_session_token(bad));
}

TEST(tokens, hash_is_sha256_hex) {
  // SHA-256("abc") from FIPS 180-2.
  EXPECT_EQ(token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto token = new_session_token();
  auto h = token_hash(token);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(h, token_hash(token));
  EXPECT_NE(h, token_hash(new_session_token()));
  EXPECT_EQ(h.find(token), std::string::npos);
}

TEST(tokens, constant_time_equal_compares_content) {
  EXPECT_TRUE(constant_time_equal("secret-key", "secret-key"));
  EXPECT_FALSE(constant_time_equal("secret-key", "secret-kez"));
  EXPECT_FALSE(constant_time_equal("secret-key", "secret-key-longer"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_EQ(to_hex("\x01\xab"), "01ab");
}

} // namespace
