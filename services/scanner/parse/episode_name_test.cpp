#include "parse/episode_name.hpp"
#include "parse/parse_command.hpp"

#include <gtest/gtest.h>
#include <sstream>

namespace {

using namespace kumo::scanner;

struct expect {
  const char* name;
  int season; ///< -1: none
  std::vector<int> episodes;
  std::vector<int> absolute;
};

void check(const expect& e) {
  auto got = parse_episode_name(e.name);
  SCOPED_TRACE(std::string{"name: "} + e.name + "\n" + to_json(got));
  if (e.season < 0)
    EXPECT_FALSE(got.season.has_value());
  else
    EXPECT_EQ(got.season, e.season);
  EXPECT_EQ(got.episodes, e.episodes);
  EXPECT_EQ(got.absolute, e.absolute);
}

TEST(episode_name, scene_forms) {
  for (const auto& e : std::vector<expect>{
           {"Show.Name.S01E02.720p.HDTV.x264-GRP.mkv", 1, {2}, {}},
           {"show.name.s1e2.hdtv.mkv", 1, {2}, {}},
           {"Show Name - 1x02 - Title.mkv", 1, {2}, {}},
           {"Show.Name.102.HDTV.x264-GRP", 1, {2}, {}},
           {"Show.Name.1013.720p.HDTV", 10, {13}, {}},
           {"Show.Name.S01.1080p.BluRay.x264-GRP", 1, {}, {}},
       })
    check(e);
}

TEST(episode_name, multi_episode_forms) {
  for (const auto& e : std::vector<expect>{
           {"Show.S01E01-E03.1080p.mkv", 1, {1, 2, 3}, {}},
           {"Show.S01E01E02.mkv", 1, {1, 2}, {}},
           {"Show.1x01-1x02.mkv", 1, {1, 2}, {}},
           {"Show E01-E03 [1080p].mkv", -1, {}, {1, 2, 3}},
           {"Show.S02E03-04-05.mkv", 2, {3, 4, 5}, {}},
           {"Show.101.102.hdtv", 1, {1, 2}, {}},
       })
    check(e);
}

TEST(episode_name, anime_absolute_forms) {
  for (const auto& e : std::vector<expect>{
           {"[Group] Title - 012 [1080p].mkv", -1, {}, {12}},
           {"Title - 12v2.mkv", -1, {}, {12}},
           {"Title 001-012 [Batch]",
            -1,
            {},
            {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
           {"[Grp] Title - 01 ~ 03 [720p]", -1, {}, {1, 2, 3}},
           {"[Grp] Show S01E01 001 [720p]", 1, {1}, {1}},
           {"[Grp] Show S2 - 07 [720p]", 2, {7}, {}},
       })
    check(e);
}

TEST(episode_name, seasons_from_folders) {
  for (const auto& e : std::vector<expect>{
           {"Show/Season 1/Show - 05.mkv", 1, {5}, {}},
           {"Show/S02/Show.E07.mkv", 2, {7}, {}},
           {"Show/Specials/Show - 03.mkv", 0, {3}, {}},
           {"Show\\Season 3\\Show - E04.mkv", 3, {4}, {}},
       })
    check(e);
  EXPECT_TRUE(parse_episode_name("Show/Specials/Show - 03.mkv").special);
}

TEST(episode_name, obfuscated_files_take_the_release_folder) {
  auto p = parse_episode_name(
      "Zoo.S02E05.1080p.WEB-DL.DD5.1.H.264.HKD/160725_02.mkv");
  EXPECT_EQ(p.season, 2);
  EXPECT_EQ(p.episodes, std::vector<int>{5});
  EXPECT_EQ(p.title, "Zoo");
  // A file with its own full marker keeps it.
  p = parse_episode_name("Show.S02E05.720p-GRP/Show.S02E06.720p-GRP.mkv");
  EXPECT_EQ(p.episodes, std::vector<int>{6});
}

TEST(episode_name, titles_with_digits_and_years) {
  auto p = parse_episode_name("86 - Eighty Six - 05 [1080p].mkv");
  EXPECT_EQ(p.title, "86 - Eighty Six");
  EXPECT_EQ(p.absolute, std::vector<int>{5});
  p = parse_episode_name("1923.S01E03.1080p.WEB.H264-GLHF.mkv");
  EXPECT_EQ(p.title, "1923");
  EXPECT_FALSE(p.year.has_value());
  p = parse_episode_name("9-1-1.S05E03.1080p.mkv");
  EXPECT_EQ(p.title, "9-1-1");
  p = parse_episode_name("Doctor.Who.2005.S13E01.1080p.mkv");
  EXPECT_EQ(p.title, "Doctor Who");
  EXPECT_EQ(p.year, 2005);
}

TEST(episode_name, non_latin_and_full_width) {
  check({"[Grp] 葬送的芙莉莲 - 12 [1080p].mkv", -1, {}, {12}});
  check({"【喵萌奶茶屋】[葬送的芙莉莲][12][1080p].mp4", -1, {}, {12}});
  check({"進撃の巨人 第3季 第05集 [1080p].mp4", 3, {5}, {}});
  check({"Клиника.S01E05.WEB-DL.1080p.mkv", 1, {5}, {}});
  check({"Шерлок/Сезон 2/Шерлок - 03.mkv", 2, {3}, {}});
  auto p = parse_episode_name(
      "［Ｇｒｏｕｐ］ Ｔｉｔｌｅ － ０５ ［１０８０ｐ］.mkv");
  EXPECT_EQ(p.title, "Title");
  EXPECT_EQ(p.absolute, std::vector<int>{5});
  EXPECT_EQ(p.group, "Group");
  EXPECT_EQ(p.resolution, "1080p");
}

TEST(episode_name, release_noise_is_not_numbering) {
  auto p = parse_episode_name(
      "[Grp] Show - 07 [1080p HEVC 10bit FLAC DDP5.1][ABCD1234].mkv");
  EXPECT_EQ(p.absolute, std::vector<int>{7});
  EXPECT_EQ(p.group, "Grp");
  EXPECT_EQ(p.resolution, "1080p");
  EXPECT_EQ(p.extension, "mkv");
  p = parse_episode_name("Show.S01E02.2160p.WEB-DL.DDP5.1.Atmos.AV1-GRP.mkv");
  EXPECT_EQ(p.group, "GRP");
  EXPECT_EQ(p.source, "WEB-DL");
  EXPECT_EQ(p.resolution, "2160p");
}

TEST(episode_name, daily_show_dates_are_not_episodes) {
  auto p =
      parse_episode_name("The.Daily.Show.2019.03.14.Guest.720p.WEB.x264-GRP");
  EXPECT_FALSE(p.season.has_value());
  EXPECT_TRUE(p.episodes.empty());
  EXPECT_TRUE(p.absolute.empty());
  EXPECT_EQ(p.date, "2019-03-14");
  EXPECT_EQ(p.title, "The Daily Show");
}

TEST(episode_name, json_has_the_documented_keys_in_order) {
  auto json = to_json(parse_episode_name("[Grp] Show \"Q\" - 05 [720p].mkv"));
  EXPECT_EQ(json, "{\"title\":\"Show \\\"Q\\\"\",\"year\":null,\"season\":null,"
                  "\"episodes\":[],\"absolute\":[5],\"group\":\"Grp\","
                  "\"resolution\":\"720p\",\"special\":false,\"source\":null,"
                  "\"extension\":\"mkv\",\"date\":null}");
}

TEST(parse_command, one_object_per_line_in_order) {
  std::istringstream in{"Show.S01E02.mkv\r\n\n[G] Show - 03\nlast.S02E01"};
  std::ostringstream out;
  EXPECT_EQ(run_parse_command(in, out), 0);
  std::istringstream lines{out.str()};
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);)
    got.push_back(line);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_NE(got[0].find("\"season\":1,\"episodes\":[2]"), std::string::npos);
  EXPECT_NE(got[1].find("\"title\":\"\""), std::string::npos); // empty line
  EXPECT_NE(got[2].find("\"absolute\":[3]"), std::string::npos);
  EXPECT_NE(got[3].find("\"season\":2"), std::string::npos); // no final \n
}

/// Serves its text one byte per underflow, like a pipe that has nothing
/// more buffered after each line.
class trickle_buf : public std::streambuf {
public:
  explicit trickle_buf(std::string text) : text_(std::move(text)) {
    // nop
  }

protected:
  int_type underflow() override {
    if (pos_ >= text_.size())
      return traits_type::eof();
    ch_ = text_[pos_++];
    setg(&ch_, &ch_, &ch_ + 1);
    return traits_type::to_int_type(ch_);
  }

private:
  std::string text_;
  size_t pos_ = 0;
  char ch_ = 0;
};

/// Counts flushes and what was written before each.
class counting_buf : public std::stringbuf {
public:
  std::vector<std::string> at_flush;

protected:
  int sync() override {
    at_flush.push_back(str());
    return 0;
  }
};

TEST(parse_command, answers_each_line_when_no_more_input_waits) {
  trickle_buf in_buf{"Show.S01E02\nShow.S01E03\n"};
  std::istream in{&in_buf};
  counting_buf out_buf;
  std::ostream out{&out_buf};
  EXPECT_EQ(run_parse_command(in, out), 0);
  ASSERT_GE(out_buf.at_flush.size(), 2u);
  // The first answer was flushed before the second name was read.
  EXPECT_NE(out_buf.at_flush[0].find("\"episodes\":[2]"), std::string::npos);
  EXPECT_EQ(out_buf.at_flush[0].find("\"episodes\":[3]"), std::string::npos);
}

TEST(parse_command, long_lines_are_cut_and_the_next_line_still_parsed) {
  // The first line is 1 MiB; only its first max_name_bytes count, and the
  // marker after them is ignored.
  std::string input(1 << 20, 'x');
  input += ".S09E09\nShow.S01E02\n";
  std::istringstream in{input};
  std::ostringstream out;
  EXPECT_EQ(run_parse_command(in, out), 0);
  auto text = out.str();
  auto newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(text.find("\"season\":9"), std::string::npos);
  EXPECT_NE(text.find("\"season\":1,\"episodes\":[2]", newline),
            std::string::npos);
  EXPECT_LT(text.size(), max_name_bytes + 1000);
}

} // namespace
