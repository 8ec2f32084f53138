#include "terminal_text.hpp"
#include "watch_board.hpp"

#include <gtest/gtest.h>

using namespace kumo::cli;
using nlohmann::json;

namespace {

const std::string id1 = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

sse_event progress(const std::string& id, double percent,
                   const std::string& type = "download_progress") {
  json record{
      {"id", "download:" + id}, {"type", "download"}, {"status", "in_progress"},
      {"title", "Show S01E02"}, {"percent", percent}, {"current", 100},
      {"total", 200},           {"speed_bps", 1000},  {"eta_seconds", 3}};
  return sse_event{type, json{{"type", type}, {"data", record}}.dump(), "e:1"};
}

TEST(watch_board, rows_from_queue_then_progress_events) {
  watch_board board;
  board.load_queue(json::parse(R"({"pending_queue": [{"id": ")" + id1 +
                               R"(", "status": "pending",
      "serie_name": "Show", "season": 1, "episode": 2, "bytes_total": -1}],
      "completed_downloads": [{"id": "old", "status": "completed"}]})"));
  ASSERT_EQ(board.rows().size(), 1u);
  EXPECT_EQ(board.rows()[0].title, "Show S01E02");
  EXPECT_TRUE(board.apply(progress(id1, 50)));
  EXPECT_EQ(board.touched(), std::vector<std::string>{id1});
  EXPECT_EQ(board.rows()[0].status, "downloading");
  EXPECT_EQ(board.rows()[0].percent, 50);
  EXPECT_TRUE(board.apply(progress(id1, 60, "download_complete")));
  EXPECT_EQ(board.rows()[0].status, "completed");
  EXPECT_EQ(board.rows()[0].percent, 100);
}

TEST(watch_board, init_brings_active_records) {
  watch_board board;
  json init{
      {"epoch", "e"},
      {"seq", 1},
      {"active", json::array({json::parse(progress(id1, 10).data)["data"]})},
      {"recent", json::array()}};
  EXPECT_TRUE(board.apply(sse_event{"init", init.dump(), ""}));
  ASSERT_EQ(board.rows().size(), 1u);
  EXPECT_EQ(board.rows()[0].id, id1);
}

TEST(watch_board, hostile_events_are_ignored) {
  watch_board board;
  for (auto data : {"", "{", "[1,2]", "null", R"({"data": 5})",
                    R"({"data": {"id": "scan:1", "type": "scan"}})",
                    R"({"data": {"id": "download:x", "type": "download",
                        "percent": "lots", "current": [], "title": 7}})"}) {
    board.apply(sse_event{"download_progress", data, ""});
  }
  board.apply(sse_event{"queue_status", R"({"data": {}})", ""});
  // Only the last download record is a download: it gets a row, its odd
  // fields fall back to defaults.
  ASSERT_EQ(board.rows().size(), 1u);
  EXPECT_EQ(board.rows()[0].percent, -1);
  EXPECT_EQ(board.ignored(), 7u);
}

TEST(watch_board, bars_of_all_rows_start_in_the_same_column) {
  watch_board board;
  board.apply(progress(id1, 10));
  auto other = progress(id1.substr(0, 35) + "9", 20);
  other.data.replace(other.data.find("Show S01E02"), 11, "進撃 S01E03 long");
  board.apply(other);
  auto lines = board.render(100, 10);
  ASSERT_EQ(lines.size(), 2u);
  auto column = [](const std::string& line) {
    return display_width(line.substr(0, line.find('[')));
  };
  EXPECT_EQ(column(lines[0]), column(lines[1])) << lines[0] << "\n" << lines[1];
  EXPECT_EQ(display_width(lines[0]), display_width(lines[1]));
}

TEST(watch_board, render_fits_width_and_row_limit) {
  watch_board board;
  EXPECT_EQ(board.render(40, 5), std::vector<std::string>{"(no downloads)"});
  for (int i = 0; i < 10; ++i)
    board.apply(progress(id1.substr(0, 35) + std::to_string(i), i * 10.0));
  for (std::size_t width : {0u, 10u, 79u, 500u}) {
    auto lines = board.render(width, 4);
    ASSERT_EQ(lines.size(), 4u);
    for (const auto& line : lines)
      EXPECT_LE(display_width(line), width);
  }
  EXPECT_EQ(board.render(80, 4).back().rfind("... 7 more", 0), 0u);
}

} // namespace
