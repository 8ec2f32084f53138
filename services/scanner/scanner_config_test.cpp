#include "scanner_config.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

/// The option a root setting is refused for ("" when accepted).
std::string refused(const std::string& main, const std::string& extra) {
  auto roots = parse_roots(main, extra);
  return roots ? "" : roots.error().field;
}

TEST(ScannerConfig, Roots) {
  auto parsed = parse_roots("/srv/lib/", "/mnt/a::/mnt/b");
  ASSERT_TRUE(parsed) << parsed.error();
  const auto& out = *parsed;
  EXPECT_EQ(out.main, "/srv/lib");
  ASSERT_EQ(out.extra.size(), 2U);
  EXPECT_EQ(out.all().size(), 3U);
  EXPECT_EQ(refused("", ""), "");
  EXPECT_EQ(refused("relative/lib", ""), "library_root");
  EXPECT_EQ(refused("/srv/../etc", ""), "library_root");
  EXPECT_EQ(refused("/srv/lib", "lib2"), "library_roots_extra");
  EXPECT_EQ(refused("/srv/lib", "/srv/lib/sub"), "library_roots_extra");
  EXPECT_EQ(refused("/srv/lib/sub", "/srv/lib"), "library_roots_extra");
  EXPECT_EQ(refused("/srv/lib", "/srv/lib"), "library_roots_extra");
  EXPECT_EQ(refused("/srv/lib", "/srv/library"), "");
}

} // namespace
} // namespace kumo::scanner
