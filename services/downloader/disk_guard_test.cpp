#include "disk_guard.hpp"

#include <gtest/gtest.h>

using namespace kumo::downloader;

namespace {
constexpr int64_t mib = int64_t{1} << 20;
constexpr int64_t gib = int64_t{1} << 30;
} // namespace

TEST(disk_guard, the_stricter_of_bytes_and_percent_is_the_floor) {
  disk_floor f{2 * gib, 5.0};
  EXPECT_EQ(floor_bytes(f, 10 * gib), 2 * gib);  // 5 % = 512 MiB
  EXPECT_EQ(floor_bytes(f, 100 * gib), 5 * gib); // 5 % = 5 GiB
  EXPECT_EQ(floor_bytes({0, 0.0}, 100 * gib), 0);
}

TEST(disk_guard, known_size_is_reserved_before_a_job_starts) {
  disk_floor f{10 * mib, 0.0};
  disk_space s{50 * mib, 100 * mib};
  EXPECT_EQ(disk_refusal(s, 0, f), "");
  EXPECT_EQ(disk_refusal(s, 40 * mib, f), "");
  auto why = disk_refusal(s, 41 * mib, f);
  EXPECT_NE(why.find("disk almost full"), std::string::npos) << why;
  EXPECT_NE(why.find("41 MiB still to write"), std::string::npos) << why;
  EXPECT_NE(disk_refusal({9 * mib, 100 * mib}, 0, f), "");
}

TEST(disk_guard, unreadable_space_counts_as_full_and_the_root_is_asked) {
  std::string asked;
  disk_guard g{"/lib", {mib, 0.0}, [&](const std::string& root) {
                 asked = root;
                 return std::optional<disk_space>{};
               }};
  EXPECT_NE(g.check(0), "");
  EXPECT_EQ(asked, "/lib");
  disk_guard ok{"/lib", {mib, 0.0}, [](const std::string&) {
                  return std::optional<disk_space>{{2 * mib, 10 * mib}};
                }};
  EXPECT_EQ(ok.check(0), "");
  EXPECT_NE(ok.check(mib + 1), "");
}

TEST(disk_guard, checks_are_paced_by_bytes_written) {
  check_pacer p{4 * mib};
  EXPECT_TRUE(p.due(0));
  EXPECT_FALSE(p.due(mib));
  EXPECT_FALSE(p.due(4 * mib - 1));
  EXPECT_TRUE(p.due(4 * mib));
  EXPECT_FALSE(p.due(5 * mib));
  EXPECT_TRUE(p.due(9 * mib));
}

TEST(disk_guard, reads_a_real_file_system) {
  auto s = read_disk_space("/");
  ASSERT_TRUE(s);
  EXPECT_GT(s->total_bytes, 0);
  EXPECT_FALSE(read_disk_space("/no/such/dir/here"));
}

TEST(disk_guard, the_floor_follows_the_disk_section_of_the_configuration) {
  disk_floor start{2 * gib, 5.0};
  auto same = floor_from_config({{"queue", {{"max_retries", 1}}}}, start);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->min_free_bytes, 2 * gib);
  auto both = floor_from_config(
      {{"disk", {{"min_free_bytes", 1024}, {"min_free_percent", 0}}}}, start);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->min_free_bytes, 1024);
  EXPECT_EQ(both->min_free_percent, 0.0);
  auto one = floor_from_config({{"disk", {{"min_free_percent", 9}}}}, start);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->min_free_bytes, 2 * gib) << "an absent field keeps its value";
  EXPECT_EQ(one->min_free_percent, 9.0);
}

TEST(disk_guard, a_bad_floor_names_its_field_and_changes_nothing) {
  disk_floor start{2 * gib, 5.0};
  using json = nlohmann::json;
  for (const auto& [doc, field] : std::vector<std::pair<json, std::string>>{
           {{{"disk", {{"min_free_bytes", -1}}}}, "disk.min_free_bytes"},
           {{{"disk", {{"min_free_bytes", "1"}}}}, "disk.min_free_bytes"},
           {{{"disk", {{"min_free_percent", 91}}}}, "disk.min_free_percent"},
           {{{"disk", {{"min_free_percent", 2.5}}}}, "disk.min_free_percent"},
           {{{"disk", 7}}, "disk"}}) {
    auto got = floor_from_config(doc, start);
    ASSERT_FALSE(got) << doc.dump();
    EXPECT_EQ(got.error().field, field) << doc.dump();
  }
}

TEST(disk_guard, a_new_floor_applies_to_the_next_check) {
  disk_guard g{"/lib", {mib, 0.0}, [](const std::string&) {
                 return std::optional<disk_space>{{50 * mib, 100 * mib}};
               }};
  EXPECT_EQ(g.check(0), "");
  g.set_floor({60 * mib, 0.0});
  EXPECT_NE(g.check(0), "");
  EXPECT_EQ(g.floor().min_free_bytes, 60 * mib);
}
