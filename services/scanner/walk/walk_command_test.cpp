// kumo-scanner walk: one JSON line per series, counters on the error stream.

#include "walk/walk_command.hpp"
#include "walk/walk_test_tree.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <sstream>

using kumo::scanner::run_walk_command;
using kumo::scanner::testing::temp_tree;

TEST(walk_command, one_json_line_per_series) {
  temp_tree t;
  t.file("Show (2019)/Season 1/Show.S01E02.1080p-GRP.mkv", "abc");
  t.file("Bad\xff Name/Bad.S01E01.mkv"); // not UTF-8
  t.file("Other/Bloopers.mkv");
  std::ostringstream out, err;
  ASSERT_EQ(run_walk_command(t.root(), out, err), 0);
  const std::string o = out.str();
  EXPECT_EQ(std::count(o.begin(), o.end(), '\n'), 3) << o;
  // Sorted by folder; the invalid byte is printed as U+FFFD.
  auto first = o.substr(0, o.find('\n'));
  EXPECT_EQ(first.substr(0, first.find("\"mtime_ns\":")),
            "{\"folder\":\"Bad\xef\xbf\xbd Name\",\"name\":\"Bad\xef\xbf\xbd "
            "Name\",\"year\":null,\"complete\":true,\"episodes\":[{\"path\":"
            "\"Bad.S01E01.mkv\",\"season\":1,\"episodes\":[1],\"absolute\":[],"
            "\"special\":false,\"air_date\":null,\"size\":0,");
  EXPECT_EQ(first.substr(first.find(",\"resolution\"")),
            ",\"resolution\":\"\",\"group\":\"\",\"source\":\"\"}],"
            "\"unparsed\":[]}");
  EXPECT_NE(
      o.find("\n{\"folder\":\"Other\",\"name\":\"Other\",\"year\":"
             "null,\"complete\":true,\"episodes\":[],"
             "\"unparsed\":[\"Bloopers.mkv\"]}\n{\"folder\":\"Show (2019)\","
             "\"name\":\"Show\",\"year\":2019,"),
      std::string::npos)
      << o;
  EXPECT_NE(o.find("\"size\":3,"), std::string::npos);
  EXPECT_EQ(err.str().rfind("{\"dirs\":5,\"dirs_reused\":0,\"files\":3,", 0),
            0u)
      << err.str();
}

TEST(walk_command, missing_root_fails_with_a_message) {
  std::ostringstream out, err;
  EXPECT_EQ(run_walk_command("/nonexistent/kumo-walk", out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "kumo-scanner walk: cannot open /nonexistent/kumo-walk: "
                       "No such file or directory\n");
}
