#include "progress_bar.hpp"
#include "terminal_text.hpp"

#include <gtest/gtest.h>

using namespace kumo::cli;

namespace {

bar_state downloading(std::string title, double percent) {
  bar_state s;
  s.id = "3f2504e0";
  s.title = std::move(title);
  s.status = "downloading";
  s.percent = percent;
  s.current = std::int64_t{1536} * 1024;
  s.total = std::int64_t{3} * 1024 * 1024;
  s.speed_bps = std::int64_t{2} * 1024 * 1024;
  s.eta_seconds = 75;
  return s;
}

TEST(progress_bar, fits_every_width_from_0_to_500) {
  for (auto title : {"Attack on Titan S01E01", "進撃の巨人 第1話 🎬 ☃",
                     "e\xCC\x81t\xC3\xA9", "bad \xFF\xFE utf8 \x1B[31m red"}) {
    for (std::size_t width = 0; width <= 500; ++width) {
      for (std::size_t hint : {0u, 3u, 60u, 1000u}) {
        auto line = render_bar(downloading(title, 42), width, hint);
        EXPECT_LE(display_width(line), width) << title << " at " << width;
        EXPECT_EQ(line.find('\x1B'), std::string::npos);
      }
    }
  }
}

TEST(progress_bar, zero_width_is_empty) {
  EXPECT_EQ(render_bar(downloading("x", 1), 0), "");
}

TEST(progress_bar, width_10_keeps_a_cut_title) {
  auto line = render_bar(downloading("A very long series name", 50), 10);
  EXPECT_EQ(display_width(line), 10u);
  EXPECT_EQ(line.rfind("A very", 0), 0u);
}

TEST(progress_bar, wide_layout_has_bar_percent_speed_and_eta) {
  auto line = render_bar(downloading("Show S01E02", 50), 80);
  EXPECT_EQ(display_width(line), 80u);
  EXPECT_NE(line.find("[####"), std::string::npos);
  EXPECT_NE(line.find(" 50.0%"), std::string::npos);
  EXPECT_NE(line.find("2.00 MiB/s"), std::string::npos);
  EXPECT_NE(line.find("ETA 1:15"), std::string::npos);
}

TEST(progress_bar, width_500_bar_is_half_filled_at_50_percent) {
  auto line = render_bar(downloading("Show", 50), 500);
  auto open = line.find('[');
  auto close = line.find(']');
  ASSERT_NE(open, std::string::npos);
  auto inner = close - open - 1;
  auto hashes = static_cast<std::size_t>(
      std::count(line.begin() + static_cast<long>(open), line.end(), '#'));
  EXPECT_EQ(hashes, inner / 2);
}

TEST(progress_bar, bar_grows_with_percent) {
  auto count = [](double p) {
    auto line = render_bar(downloading("Show", p), 80);
    return std::count(line.begin(), line.end(), '#');
  };
  EXPECT_EQ(count(0), 0);
  EXPECT_LT(count(10), count(60));
  EXPECT_LT(count(60), count(100));
  EXPECT_EQ(count(250), count(100)); // clamped
}

TEST(progress_bar, unknown_total_shows_a_question_mark) {
  bar_state s = downloading("Show", -1);
  s.total = -1;
  EXPECT_NE(render_bar(s, 80).find("?%"), std::string::npos);
}

TEST(progress_bar, paused_item_shows_its_status_instead_of_speed) {
  bar_state s = downloading("Show", 30);
  s.status = "paused";
  auto line = render_bar(s, 80);
  EXPECT_NE(line.find("paused"), std::string::npos);
  EXPECT_EQ(line.find("MiB/s"), std::string::npos);
}

TEST(progress_bar, plain_line_holds_every_field) {
  auto line = render_plain(downloading("Show \x1B]0;x\x07", 50));
  EXPECT_EQ(line, "3f2504e0 downloading 50.0% 1.50 MiB/3.00 MiB 2.00 MiB/s "
                  "ETA 1:15 Show ?]0;x?");
}

TEST(terminal_text, wide_characters_count_two_columns) {
  EXPECT_EQ(display_width("進撃"), 4u);
  EXPECT_EQ(display_width("e\xCC\x81"), 1u);
  EXPECT_EQ(fit_to_width("進撃の巨人", 5), "進撃…");
  EXPECT_EQ(fit_to_width("abc", 5, true), "abc  ");
}

TEST(terminal_text, invalid_utf8_and_controls_become_question_marks) {
  EXPECT_EQ(sanitize_for_terminal("a\xC0\xAF"
                                  "b\r\n\x7F"),
            "a??b???");
  EXPECT_EQ(sanitize_for_terminal("\xED\xA0\x80"), "???"); // surrogate
  EXPECT_EQ(sanitize_for_terminal("\xE2\x80\xAE"), "?");   // bidi override
}

TEST(terminal_text, human_units) {
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1536), "1.50 KiB");
  EXPECT_EQ(human_bytes(12.0 * 1024 * 1024), "12.0 MiB");
  EXPECT_EQ(human_duration(5), "0:05");
  EXPECT_EQ(human_duration(3723), "1:02:03");
  EXPECT_EQ(human_duration(-1), "--:--");
  EXPECT_EQ(human_duration(1000000), ">99h");
}

} // namespace
