#include "direct/direct_provider.hpp"

#include <gtest/gtest.h>

namespace kumo::providers::direct {
namespace {

TEST(DirectProvider, AUrlIsOneEpisodeWithOneSource) {
  direct_provider p;
  auto got = p.series_info("https://media.example/show/s01e01.mp4?sig=1");
  ASSERT_TRUE(got) << got.error();
  ASSERT_EQ(got->episodes.size(), 1u);
  EXPECT_EQ(got->episodes[0].title, "s01e01.mp4");
  auto sources = p.resolve(got->episodes[0]);
  ASSERT_TRUE(sources);
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].provider, "direct");
  EXPECT_EQ((*sources)[0].url, "https://media.example/show/s01e01.mp4?sig=1");
}

TEST(DirectProvider, RefusesWhatTheQueueRefuses) {
  // Tried: another scheme, a loopback literal, user info; and a search.
  direct_provider p;
  EXPECT_FALSE(p.series_info("ftp://media.example/a.mp4"));
  EXPECT_FALSE(p.series_info("http://127.0.0.1/a.mp4"));
  EXPECT_FALSE(p.series_info("http://u:p@media.example/a.mp4"));
  auto s = p.search("anything");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cannot search"), std::string::npos);
  episode_info none;
  EXPECT_FALSE(p.resolve(none));
}

} // namespace
} // namespace kumo::providers::direct
