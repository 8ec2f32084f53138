#include "kumo/validate.hpp"

#include <gtest/gtest.h>
#include <string>

TEST(validate, series_keys) {
  for (auto key : {"attack-on-titan", "86-eighty-six", "re-zero", "a", "x1"})
    EXPECT_TRUE(kumo::is_series_key(key)) << key;
  for (auto bad : {"", "-a", "a-", "a--b", "A", "a_b", "a b", "ä",
                   "Attack-On-Titan", "attack/titan", "../etc"})
    EXPECT_FALSE(kumo::is_series_key(bad)) << bad;
  EXPECT_TRUE(kumo::is_series_key(std::string(255, 'a')));
  EXPECT_FALSE(kumo::is_series_key(std::string(256, 'a')));
}

TEST(validate, uuids) {
  EXPECT_TRUE(kumo::is_uuid("0e8d3f4a-1111-4222-8333-444455556666"));
  EXPECT_TRUE(kumo::is_uuid("0E8D3F4A-1111-4222-8333-444455556666"));
  EXPECT_FALSE(kumo::is_uuid("0e8d3f4a111142228333444455556666"));
  EXPECT_FALSE(kumo::is_uuid("0e8d3f4a-1111-4222-8333-44445555666g"));
  EXPECT_FALSE(kumo::is_uuid(""));
}

TEST(validate, control_characters) {
  EXPECT_FALSE(kumo::has_control_chars("Attack on Titan (2013) ä"));
  EXPECT_TRUE(kumo::has_control_chars("a\nb"));
  EXPECT_TRUE(kumo::has_control_chars(std::string("a\0b", 3)));
  EXPECT_TRUE(kumo::has_control_chars("a\x7f"));
  EXPECT_TRUE(kumo::has_control_chars("a\xc2\x85"));  // U+0085 NEL
  EXPECT_FALSE(kumo::has_control_chars("a\xc2\xa0")); // U+00A0 NBSP
}
