#include "auth/password.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;

namespace {

// Cheap parameters keep the tests fast; the format is the same.
const scrypt_params cheap{10, 8, 1};

TEST(password, accepts_the_right_password) {
  auto hash = hash_password("correct horse", cheap);
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.rfind("$scrypt$ln=10,r=8,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password("correct horse", hash));
}

TEST(password, rejects_a_wrong_password) {
  auto hash = hash_password("correct horse", cheap);
  EXPECT_FALSE(verify_password("correct hors", hash));
  EXPECT_FALSE(verify_password("correct horse ", hash));
  EXPECT_FALSE(verify_password("", hash));
}

TEST(password, salts_every_hash) {
  EXPECT_NE(hash_password("same password", cheap),
            hash_password("same password", cheap));
}

TEST(password, default_parameters_are_strong) {
  scrypt_params defaults;
  EXPECT_GE(defaults.log2_n, 15);
  EXPECT_GE(defaults.r, 8);
  auto hash = hash_password("a password", defaults);
  EXPECT_EQ(hash.rfind("$scrypt$ln=15,r=8,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password("a password", hash));
}

TEST(password, rejects_tampered_hash_strings) {
  auto hash = hash_password("correct horse", cheap);
  ASSERT_TRUE(verify_password("correct horse", hash));
  // Flip one character of the digest.
  auto flipped = hash;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password("correct horse", flipped));
  // Another salt.
  auto salt_at = hash.find('$', 8) + 1;
  auto salted = hash;
  salted[salt_at] = salted[salt_at] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password("correct horse", salted));
  // Other parameters with the same salt and digest.
  auto cheaper = hash;
  cheaper.replace(cheaper.find("ln=10"), 5, "ln=11");
  EXPECT_FALSE(verify_password("correct horse", cheaper));
  // Truncated digest, missing parts, garbage.
  EXPECT_FALSE(
      verify_password("correct horse", hash.substr(0, hash.size() - 4)));
  EXPECT_FALSE(verify_password("correct horse", hash.substr(0, salt_at)));
  EXPECT_FALSE(verify_password("correct horse", ""));
  EXPECT_FALSE(verify_password("correct horse", "correct horse"));
  EXPECT_FALSE(verify_password("correct horse", "$scrypt$ln=10,r=8,p=1$!!$!!"));
  EXPECT_FALSE(verify_password("correct horse", hash + "$"));
}

TEST(password, refuses_parameters_that_would_exhaust_the_machine) {
  auto hash = hash_password("correct horse", cheap);
  auto huge = hash;
  huge.replace(huge.find("ln=10"), 5, "ln=30");
  EXPECT_FALSE(verify_password("correct horse", huge));
  auto wide = hash;
  wide.replace(wide.find("r=8"), 3, "r=99");
  EXPECT_FALSE(verify_password("correct horse", wide));
  EXPECT_TRUE(hash_password("x", scrypt_params{40, 8, 1}).empty());
}

TEST(password, enforces_length_rules) {
  EXPECT_TRUE(password_problem("1234567").has_value());
  EXPECT_FALSE(password_problem("12345678").has_value());
  EXPECT_TRUE(password_problem("").has_value());
  EXPECT_FALSE(password_problem(std::string(1024, 'x')).has_value());
  EXPECT_TRUE(password_problem(std::string(1025, 'x')).has_value());
  // Characters, not bytes: eight two-byte characters are enough.
  std::string umlauts;
  for (int i = 0; i < 8; ++i)
    umlauts += "\xc3\xa4";
  EXPECT_FALSE(password_problem(umlauts).has_value());
  EXPECT_TRUE(password_problem(umlauts.substr(0, 14)).has_value());
}

TEST(password, handles_embedded_nul_and_long_passwords) {
  std::string with_nul("abc\0defgh", 9);
  auto hash = hash_password(with_nul, cheap);
  EXPECT_TRUE(verify_password(with_nul, hash));
  EXPECT_FALSE(verify_password("abc", hash));
  std::string long_pw(1024, 'p');
  EXPECT_TRUE(verify_password(long_pw, hash_password(long_pw, cheap)));
}

} // namespace
