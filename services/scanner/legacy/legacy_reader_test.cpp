// The reader of <root>/<folder>/data on real temporary folders.

#include "legacy/legacy_reader.hpp"
#include "walk/walk_test_tree.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace kumo::scanner::legacy;
using kumo::scanner::testing::temp_tree;

namespace {

std::string data_for(const std::string& folder, const std::string& key) {
  return R"({"key": ")" + key + R"(", "name": "N", "site": "", "folder": ")" +
         folder + R"(", "episodeDict": {"1": [1]}})";
}

/// Folder → "ok <key>" or "broken <reason>".
std::map<std::string, std::string> summary(const legacy_scan& s) {
  std::map<std::string, std::string> out;
  for (const auto& f : s.found)
    out[f.folder] =
        f.record ? "ok " + f.record->key : "broken " + f.record.error().message;
  return out;
}

} // namespace

TEST(legacy_reader, finds_data_one_level_below_the_root) {
  temp_tree t;
  t.file("Show/data", data_for("Show", "show"));
  t.file("Show/Season 1/data", data_for("Season 1", "deeper")); // not read
  t.file("Moved/data", data_for("Elsewhere", "moved"));
  t.file("Empty/Season 1/a.mkv");
  t.file(".hidden/data", data_for(".hidden", "hidden"));
  t.file("Huge/data", std::string(std::size_t{10} * 1024 * 1024, ' '));
  t.dirs("DirData/data/");
  ASSERT_EQ(::mkfifo(t.path("Fifo/data").c_str(), 0600), -1); // no folder yet
  t.dirs("Fifo/");
  ASSERT_EQ(::mkfifo(t.path("Fifo/data").c_str(), 0600), 0);
  t.file("outside/data", data_for("Linked", "linked"));
  t.symlink(t.path("outside"), "Linked"); // folder link
  t.dirs("LinkData");
  t.symlink(t.path("Show/data"), "LinkData/data"); // file link
  t.file("plain-file", "x");
  auto s = read_legacy_data({t.root(), t.root() + "/no-such-root"});
  std::map<std::string, std::string> want{
      {"DirData", "broken data is not a regular file"},
      {"Fifo", "broken data is not a regular file"},
      {"Huge", "broken data file larger than 1 MiB"},
      {"LinkData", "broken data is a symlink"},
      {"Moved", "broken folder does not name the folder the data file is in"},
      {"Show", "ok show"},
      {"outside",
       "broken folder does not name the folder the data file is in"}};
  EXPECT_EQ(summary(s), want);
  ASSERT_EQ(s.root_errors.size(), 1u);
  EXPECT_NE(s.root_errors[0].find("no-such-root"), std::string::npos);
}
