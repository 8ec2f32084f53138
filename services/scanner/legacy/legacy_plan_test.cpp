// The legacy import plan: inserts, updates, unchanged, conflicts, and that
// planning again after applying a plan has nothing left to do.

#include "legacy/legacy_plan.hpp"

#include <gtest/gtest.h>

using namespace kumo::scanner::legacy;

namespace {

found_data file(const std::string& folder, const std::string& key,
                const std::string& dict = R"({"1": [1, 2]})") {
  std::string text = R"({"key": ")" + key + R"(", "name": "N )" + key +
                     R"(", "site": "s", "folder": ")" + folder +
                     R"(", "episodeDict": )" + dict + "}";
  return {folder, parse_legacy_data(text, folder)};
}

catalog_series series(const std::string& folder, season_episodes episodes) {
  return {"Name", "site", folder, std::move(episodes)};
}

std::vector<std::string> keys(const std::vector<legacy_record>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& r : v)
    out.push_back(r.key);
  return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST(legacy_plan, insert_update_unchanged) {
  catalog_map catalog{{"has-all", series("A", {{1, {1, 2, 3}}})},
                      {"lacks", series("B", {{1, {1}}})}};
  std::vector<found_data> found{file("A", "has-all"), file("B", "lacks"),
                                file("C", "new-one")};
  auto plan = plan_legacy_import(found, catalog);
  EXPECT_EQ(keys(plan.insert), strings{"new-one"});
  ASSERT_EQ(keys(plan.update), strings{"lacks"});
  season_episodes only_missing{{1, {2}}};
  EXPECT_EQ(plan.update[0].episodes, only_missing);
  EXPECT_EQ(plan.unchanged, strings{"has-all"});
  EXPECT_TRUE(plan.skipped.empty());
  EXPECT_TRUE(plan.broken.empty());
}

TEST(legacy_plan, conflicts_are_skipped_with_reason) {
  catalog_map catalog{{"owner", series("Taken", {})},
                      {"placed", series("Home", {{1, {1, 2}}})}};
  std::vector<found_data> found{
      file("Taken", "intruder"),   // folder of another series
      file("Elsewhere", "placed"), // key placed in another folder
      file("D1", "twin"),          // one key in two folders, unknown key
      file("D2", "twin"),
      file("Home", "placed"), // the catalog's own folder wins...
      file("Copy", "placed"), // ...over this copy
      file("Bad", "Bad Key")};
  auto plan = plan_legacy_import(found, catalog);
  EXPECT_TRUE(plan.insert.empty());
  EXPECT_TRUE(plan.update.empty());
  EXPECT_EQ(plan.unchanged, strings{"placed"});
  std::vector<folder_reason> skipped{
      {"Copy", "key placed belongs to folder Home"},
      {"D1", "key twin is also claimed by folder D2"},
      {"D2", "key twin is also claimed by folder D1"},
      {"Elsewhere", "key placed belongs to folder Home"},
      {"Taken", "folder belongs to series owner"}};
  EXPECT_EQ(plan.skipped, skipped);
  ASSERT_EQ(plan.broken.size(), 1u);
  EXPECT_EQ(plan.broken[0].folder, "Bad");
}

TEST(legacy_plan, same_folder_under_two_roots) {
  std::vector<found_data> found{file("S", "one"), file("S", "two")};
  auto plan = plan_legacy_import(found, {});
  EXPECT_TRUE(plan.insert.empty());
  EXPECT_EQ(plan.skipped.size(), 2u);
  // The same file twice: one key, one folder, still ambiguous until placed.
  found = {file("S", "one"), file("S", "one")};
  plan = plan_legacy_import(found, {});
  EXPECT_TRUE(plan.insert.empty());
  EXPECT_EQ(plan.skipped.size(), 2u);
  // Once the catalog places it, the first copy counts, the second is skipped.
  plan = plan_legacy_import(found, {{"one", series("S", {{1, {1, 2}}})}});
  EXPECT_EQ(plan.unchanged, strings{"one"});
  EXPECT_EQ(plan.skipped.size(), 1u);
}

TEST(legacy_plan, applying_then_planning_again_is_a_no_op) {
  catalog_map catalog{{"lacks", series("B", {{1, {1}}, {2, {5}}})},
                      {"owner", series("Taken", {})}};
  std::vector<found_data> found{
      file("B", "lacks", R"({"1": [1, 2], "3": [1], "4": []})"),
      file("C", "new-one"), file("Taken", "intruder"), file("Bad", "BAD")};
  auto first = plan_legacy_import(found, catalog);
  EXPECT_EQ(keys(first.insert), strings{"new-one"});
  EXPECT_EQ(keys(first.update), strings{"lacks"});
  auto applied = apply_legacy_plan(first, catalog);
  season_episodes merged{{1, {1, 2}}, {2, {5}}, {3, {1}}};
  EXPECT_EQ(applied.at("lacks").episodes, merged);
  EXPECT_EQ(applied.at("lacks").name, "Name"); // name and site are kept
  auto second = plan_legacy_import(found, applied);
  EXPECT_TRUE(second.insert.empty());
  EXPECT_TRUE(second.update.empty());
  EXPECT_EQ(second.unchanged, (strings{"lacks", "new-one"}));
  EXPECT_EQ(second.skipped, first.skipped);
  EXPECT_EQ(second.broken, first.broken);
  EXPECT_EQ(apply_legacy_plan(second, applied).size(), applied.size());
}
