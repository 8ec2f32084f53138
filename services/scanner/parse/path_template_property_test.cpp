// Property: every path the queue's path template renders for an episode
// parses back to the same season and episode. The queue's template source
// is pure (standard library only) and is compiled into this test.

#include "parse/episode_name.hpp"
#include "path_template.hpp"

#include <gtest/gtest.h>
#include <random>

namespace {

using namespace kumo::scanner;
using kumo::queue::path_template;
using kumo::queue::path_values;

// The default template and the other documented shapes: the season and the
// episode in the file name (SxxEyy or NxMM), or the season in a folder and
// the episode in the file name with a label.
const char* const templates[] = {
    path_template::default_text,
    "{folder}/Season {season}/{name} - {season}x{episode:02}.{ext}",
    "{folder}/S{season:02}/{name}.S{season:02}E{episode:02}.{ext}",
    "{name}/Season {season:02}/Episode {episode}.{ext}",
    "{folder}/{name} S{season}E{episode:03}.{ext}",
    "{key}/Season {season}/{key} - S{season:02}E{episode:02}.{ext}",
    "{folder} ({key})/Season {season:02}/E{episode:02} - {name}.{ext}",
};

// Series names a library really holds: digits, years, dashes, dots,
// brackets, non-Latin scripts. Names that themselves contain an episode
// marker ("S01E02", "1x02") are outside the property.
const char* const names[] = {
    "86 - Eighty Six",
    "1923",
    "9-1-1",
    "24",
    "The 100",
    "2 Broke Girls",
    "Warehouse 13",
    "Marvel's Agents of S.H.I.E.L.D.",
    "Mr. Robot",
    "Doctor Who (2005)",
    "Show [Uncut]",
    "進撃の巨人",
    "Клиника",
    "葬送的芙莉莲 Sousou no Frieren",
    "Season Finale Show",
    "Ｆｕｌｌ Ｗｉｄｔｈ",
    "Re:Zero",
    "Dr. Stone",
    "The Office (US)",
    "11.22.63",
    "Se7en Days",
    "E-Girls",
    "x264 Club",
};

const char* const extensions[] = {"mkv", "mp4", "ts", "avi", "webm", "123"};

TEST(path_template_property, rendered_paths_parse_back) {
  std::mt19937 rng{7};
  int checked = 0;
  for (const char* text : templates) {
    auto tpl = path_template::parse(text);
    ASSERT_TRUE(tpl) << text << ": " << tpl.error();
    for (int round = 0; round < 3000; ++round) {
      path_values values;
      values.folder = names[rng() % std::size(names)];
      values.name = names[rng() % std::size(names)];
      values.key = "key-" + std::to_string(rng() % 1000);
      values.season = round % 5 == 0 ? static_cast<int>(rng() % 3)
                                     : static_cast<int>(rng() % 60);
      values.episode = round % 7 == 0 ? static_cast<int>(rng() % 2000)
                                      : static_cast<int>(rng() % 40);
      values.ext = extensions[rng() % std::size(extensions)];
      auto path = tpl->render(values);
      ASSERT_TRUE(path) << path.error();
      auto parsed = parse_episode_name(*path);
      ASSERT_EQ(parsed.season, values.season) << *path << "\n"
                                              << to_json(parsed);
      ASSERT_EQ(parsed.episodes, std::vector<int>{values.episode})
          << *path << "\n"
          << to_json(parsed);
      ASSERT_TRUE(parsed.absolute.empty()) << *path;
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(std::size(templates)) * 3000);
}

} // namespace
