#include "path_template.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;

namespace {

path_template default_template() {
  auto t = path_template::parse(path_template::default_text);
  EXPECT_TRUE(t) << t.error().message;
  return *t;
}

path_values aot(int season, int episode) {
  return {"Attack on Titan (2013)",
          "Attack on Titan",
          "attack-on-titan",
          season,
          episode,
          "mp4"};
}

} // namespace

TEST(path_template, renders_the_default_layout) {
  auto p = default_template().render(aot(1, 2));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p,
            "Attack on Titan (2013)/Season 01/Attack on Titan - S01E02.mp4");
}

TEST(path_template, widths_pad_but_never_truncate) {
  auto p = default_template().render(aot(12, 1234));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p,
            "Attack on Titan (2013)/Season 12/Attack on Titan - S12E1234.mp4");
  auto t = path_template::parse("{key}/{season}x{episode:03}.{ext}");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(*t->render(aot(0, 7)), "attack-on-titan/0x007.mp4");
}

TEST(path_template, rejects_bad_templates) {
  EXPECT_FALSE(path_template::parse("{folder}/{name}.{ext}"))
      << "without season and episode every episode would share one file";
  EXPECT_FALSE(path_template::parse("{folder}/{title} {season}{episode}"));
  EXPECT_FALSE(path_template::parse("{folder:02}/{season}{episode}"));
  EXPECT_FALSE(path_template::parse("{season:2}{episode}"));
  EXPECT_FALSE(path_template::parse("{season:00}{episode}"));
  EXPECT_FALSE(path_template::parse("{season{episode}"));
  EXPECT_FALSE(path_template::parse("season}{season}{episode}"));
  EXPECT_FALSE(path_template::parse("/abs/{season}{episode}"));
  EXPECT_FALSE(path_template::parse("../{folder}/{season}{episode}"));
  EXPECT_FALSE(path_template::parse("{folder}/../{season}{episode}"));
  EXPECT_FALSE(path_template::parse("{folder}//{season}{episode}"));
  EXPECT_FALSE(path_template::parse("{folder}\\{season}{episode}"));
  auto err = path_template::parse("{folder}/{oops}/{season}{episode}");
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("{oops}"), std::string::npos);
}

TEST(path_template, substituted_text_cannot_escape_the_root) {
  auto t = default_template();
  auto v = aot(1, 1);
  v.folder = "../../etc";
  auto p = t.render(v);
  ASSERT_TRUE(p);
  EXPECT_EQ(unsafe_path_reason(*p), "");
  EXPECT_EQ(p->rfind("_.._etc/Season 01/", 0), 0u) << *p;
  v.folder = "/etc/passwd";
  EXPECT_EQ(t.render(v)->rfind("_etc_passwd/", 0), 0u);
  v.folder = "a\\b\nc";
  EXPECT_EQ(t.render(v)->rfind("a_b_c/", 0), 0u);
  v.folder = "..";
  EXPECT_FALSE(t.render(v)) << "nothing left of the folder";
  v.folder = "   ";
  EXPECT_FALSE(t.render(v));
}

TEST(path_template, sanitize_component_rules) {
  EXPECT_EQ(sanitize_component("  Naruto  "), "Naruto");
  EXPECT_EQ(sanitize_component(".hidden"), "hidden");
  EXPECT_EQ(sanitize_component("...."), "");
  EXPECT_EQ(sanitize_component("AC/DC"), "AC_DC");
  EXPECT_EQ(sanitize_component(std::string("a\0b", 3)), "a_b");
  EXPECT_EQ(sanitize_component("trailing."), "trailing");
  EXPECT_EQ(sanitize_component("CON"), "_CON");
  EXPECT_EQ(sanitize_component("nul.txt"), "_nul.txt");
  EXPECT_EQ(sanitize_component("COM1"), "_COM1");
  EXPECT_EQ(sanitize_component("COMA"), "COMA");
  EXPECT_EQ(sanitize_component("Console"), "Console");
}

TEST(path_template, long_components_are_cut_on_utf8_boundaries) {
  std::string name;
  for (int i = 0; i < 150; ++i)
    name += "\xC3\xA9"; // é, 2 bytes each: 300 bytes
  auto out = sanitize_component(name);
  EXPECT_LE(out.size(), 200u);
  EXPECT_EQ(out.size() % 2, 0u) << "a multi-byte character was split";
  auto p = default_template().render({name, name, "k", 1, 1, "mp4"});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(unsafe_path_reason(*p), "");
}

TEST(path_template, extension_comes_from_the_url_path) {
  EXPECT_EQ(extension_from_url("https://cdn.example/v/ep1.mkv"), "mkv");
  EXPECT_EQ(extension_from_url("http://h/a/b.MP4?token=x.y#frag.z"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/a/b.webm"), "webm");
  EXPECT_EQ(extension_from_url("http://h/a/file"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/a.dir/file"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/a/file.toolong"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/a/file.m-4"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/a/file."), "mp4");
  EXPECT_EQ(extension_from_url("http://host.com"), "mp4");
  EXPECT_EQ(extension_from_url("http://host.com?x=a.mkv"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/stream/index.m3u8"), "mp4");
  EXPECT_EQ(extension_from_url("http://h/download.php?id=4"), "mp4");
}

TEST(path_template, unsafe_path_reasons) {
  EXPECT_EQ(unsafe_path_reason("a/b.mp4"), "");
  EXPECT_NE(unsafe_path_reason(""), "");
  EXPECT_NE(unsafe_path_reason("/a"), "");
  EXPECT_NE(unsafe_path_reason("a/../b"), "");
  EXPECT_NE(unsafe_path_reason("a/./b"), "");
  EXPECT_NE(unsafe_path_reason(".."), "");
  EXPECT_NE(unsafe_path_reason("a/"), "");
  EXPECT_NE(unsafe_path_reason("a\\b"), "");
  EXPECT_NE(unsafe_path_reason("a\tb"), "");
  EXPECT_NE(unsafe_path_reason(std::string(256, 'x')), "");
  EXPECT_EQ(unsafe_path_reason(std::string(255, 'x')), "");
}
