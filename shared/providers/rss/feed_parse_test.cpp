// Feeds shaped like real podcast and video feeds, and hostile ones.

#include "rss/feed_parse.hpp"

#include <gtest/gtest.h>

namespace kumo::providers::rss {
namespace {

const address_policy public_only{};

const char* const rss_sample = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Night Garden Talks</title>
    <link>https://media.example.org/night-garden</link>
    <atom:link href="https://media.example.org/feed.xml" rel="self" type="application/rss+xml"/>
    <itunes:author>Night Garden</itunes:author>
    <item>
      <title><![CDATA[S2E3 – Moths & Moonlight]]></title>
      <guid isPermaLink="false">ngt-0203</guid>
      <pubDate>Tue, 03 Jun 2025 09:39:21 GMT</pubDate>
      <enclosure url="https://cdn.example.org/ngt/0203.mp4" length="123456" type="video/mp4"/>
      <itunes:season>2</itunes:season>
      <itunes:episode>3</itunes:episode>
    </item>
    <item>
      <title>Night Garden Talks - Episode 12</title>
      <guid>https://media.example.org/night-garden/12</guid>
      <pubDate>Mon, 2 Dec 2024 18:00:00 +0100</pubDate>
      <enclosure url="https://cdn.example.org/ngt/12/master.m3u8" type="application/vnd.apple.mpegurl"/>
    </item>
  </channel>
</rss>)";

const char* const atom_sample = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Harbour Lights</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-01-10T18:30:02Z</updated>
  <entry>
    <title>Harbour Lights S01E01 Pilot</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <published>2025-01-03T18:30:02Z</published>
    <updated>2025-01-04T10:00:00Z</updated>
    <link rel="alternate" href="https://harbour.example.net/1"/>
    <link rel="enclosure" type="video/mp4" length="2048" href="https://harbour.example.net/media/s01e01.mp4"/>
  </entry>
  <entry>
    <title>Behind the scenes (no media)</title>
    <id>urn:uuid:2</id>
    <updated>2025-01-05T10:00:00Z</updated>
    <link rel="alternate" href="https://harbour.example.net/2"/>
  </entry>
</feed>)";

TEST(FeedParse, ReadsAnRssFeedWithItunesNumbers) {
  auto got = parse_feed(rss_sample, public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->title, "Night Garden Talks");
  ASSERT_EQ(got->episodes.size(), 2u);
  const auto& a = got->episodes[0];
  EXPECT_EQ(a.title, "S2E3 – Moths & Moonlight");
  EXPECT_EQ(a.guid, "ngt-0203");
  EXPECT_EQ(a.air_date, "2025-06-03");
  EXPECT_EQ(a.season, 2);
  EXPECT_EQ(a.episode, 3);
  ASSERT_EQ(a.sources.size(), 1u);
  EXPECT_EQ(a.sources[0].provider, "rss");
  EXPECT_EQ(a.sources[0].url, "https://cdn.example.org/ngt/0203.mp4");
  EXPECT_EQ(a.sources[0].size, 123456);
  const auto& b = got->episodes[1];
  EXPECT_FALSE(b.season); // no itunes numbers: the caller parses the title
  EXPECT_EQ(b.air_date, "2024-12-02");
  EXPECT_EQ(b.sources[0].provider, "hls");
  EXPECT_EQ(b.sources[0].size, -1);
}

TEST(FeedParse, ReadsAnAtomFeedAndSkipsEntriesWithoutEnclosure) {
  auto got = parse_feed(atom_sample, public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->title, "Harbour Lights");
  ASSERT_EQ(got->episodes.size(), 1u);
  EXPECT_EQ(got->episodes[0].guid,
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a");
  EXPECT_EQ(got->episodes[0].air_date, "2025-01-03");
  EXPECT_EQ(got->episodes[0].sources[0].url,
            "https://harbour.example.net/media/s01e01.mp4");
  EXPECT_EQ(got->episodes[0].sources[0].size, 2048);
  ASSERT_EQ(got->skipped_total, 1u);
  EXPECT_NE(got->skipped[0].find("has no enclosure"), std::string::npos);
}

std::string rss_with(const std::string& items, const std::string& head = "") {
  return head + "<rss version=\"2.0\"><channel><title>T</title>" + items +
         "</channel></rss>";
}

std::string item(const std::string& title, const std::string& url,
                 const std::string& guid = "") {
  return "<item><title>" + title + "</title>" +
         (guid.empty() ? "" : "<guid>" + guid + "</guid>") +
         R"(<enclosure url=")" + url + R"(" type="video/mp4"/></item>)";
}

TEST(FeedParse, EntityExpansionIsNeverPerformed) {
  // Tried: the "billion laughs" DTD. The entities stay unexpanded text;
  // the title cannot grow past the bytes of the feed.
  std::string head =
      R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">)";
  std::string prev = "lol";
  for (int i = 1; i <= 9; ++i) {
    head += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k)
      head += "&" + prev + ";";
    head += "\">";
    prev = "lol" + std::to_string(i);
  }
  head += "]>";
  auto feed = rss_with(item("&lol9;", "https://a.example/1.mp4"), head);
  auto got = parse_feed(feed, public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_LT(got->episodes[0].title.size(), 100u);
}

TEST(FeedParse, ExternalEntitiesAreNotRead) {
  // Tried: an external entity naming a local file.
  auto feed =
      rss_with(item("&xxe;", "https://a.example/1.mp4"),
               "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>");
  auto got = parse_feed(feed, public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->episodes[0].title.find("root:"), std::string::npos);
}

TEST(FeedParse, TenThousandItemsAreCutAtTheLimit) {
  std::string items;
  for (int i = 0; i < 10000; ++i)
    items += item("Show E" + std::to_string(i),
                  "https://a.example/" + std::to_string(i) + ".mp4");
  auto got = parse_feed(rss_with(items), public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->episodes.size(), 2000u);
  EXPECT_EQ(got->skipped_total, 1u);
  EXPECT_NE(got->skipped[0].find("more than 2000 items"), std::string::npos);
}

TEST(FeedParse, HugeTitlesAreCutOnACharacterBoundary) {
  std::string title;
  for (int i = 0; i < 200000; ++i)
    title += "é"; // two bytes each
  auto got =
      parse_feed(rss_with(item(title, "https://a.example/1.mp4")), public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->episodes[0].title.size(), 1000u);
}

TEST(FeedParse, BadEnclosuresAreSkippedWithTheirReason) {
  // Tried: file:, ftp:, javascript:, user info, a private literal address,
  // no url attribute, no title, a duplicate guid.
  auto items = item("a", "file:///etc/passwd") +
               item("b", "ftp://a.example/x") +
               item("c", "javascript:alert(1)") +
               item("d", "http://user@a.example/x.mp4") +
               item("e", "http://10.0.0.1/x.mp4") +
               "<item><title>f</title><enclosure type=\"video/mp4\"/></item>" +
               "<item><enclosure url=\"https://a.example/ok.mp4\"/></item>" +
               item("g", "https://a.example/g.mp4", "same") +
               item("h", "https://a.example/h.mp4", "same");
  auto got = parse_feed(rss_with(items), public_only);
  ASSERT_TRUE(got) << got.error();
  ASSERT_EQ(got->episodes.size(), 2u);
  EXPECT_EQ(got->episodes[0].title, "");
  EXPECT_EQ(got->episodes[1].title, "g");
  EXPECT_EQ(got->skipped_total, 7u);
  EXPECT_NE(got->skipped[6].find("repeats the guid"), std::string::npos);
}

TEST(FeedParse, DocumentsThatAreNoFeedFailClearly) {
  // Tried: HTML, broken XML, an empty body, a feed without usable items,
  // a bare text body.
  auto html = parse_feed("<html><body>hi</body></html>", public_only);
  ASSERT_FALSE(html);
  EXPECT_NE(html.error().message.find("neither an RSS"), std::string::npos);
  auto broken = parse_feed("<rss><channel><item>", public_only);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("not well-formed"), std::string::npos);
  EXPECT_FALSE(parse_feed("", public_only));
  EXPECT_FALSE(parse_feed("just text", public_only));
  auto empty = parse_feed(rss_with(item("a", "ftp://x/y")), public_only);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no item with a usable enclosure"),
            std::string::npos);
}

TEST(FeedParse, DeepNestingDoesNotCrash) {
  std::string deep;
  for (int i = 0; i < 100000; ++i)
    deep += "<x>";
  for (int i = 0; i < 100000; ++i)
    deep += "</x>";
  auto got = parse_feed(rss_with(item("a", "https://a.example/1.mp4") + deep),
                        public_only);
  EXPECT_TRUE(got);
}

TEST(FeedParse, Dates) {
  EXPECT_EQ(feed_date("Wed, 01 Jan 2025 00:00:00 GMT"), "2025-01-01");
  EXPECT_EQ(feed_date("1 Feb 2024 10:00 +0000"), "2024-02-01");
  EXPECT_EQ(feed_date("2025-06-03T09:39:21Z"), "2025-06-03");
  EXPECT_EQ(feed_date("yesterday"), "");
  EXPECT_EQ(feed_date("Wed, 41 Jan 2025"), "");
  EXPECT_EQ(feed_date("Wed, 01 Foo 2025"), "");
  EXPECT_EQ(feed_date(""), "");
}

TEST(FeedParse, ItunesNumbersOutOfRangeAreIgnored) {
  auto feed = rss_with(
      "<item><title>x</title><enclosure url=\"https://a.example/1.mp4\"/>"
      "<itunes:season>99999999999999999999</itunes:season>"
      "<itunes:episode>-3</itunes:episode></item>");
  auto got = parse_feed(feed, public_only);
  ASSERT_TRUE(got) << got.error();
  EXPECT_FALSE(got->episodes[0].season);
  EXPECT_FALSE(got->episodes[0].episode);
}

} // namespace
} // namespace kumo::providers::rss
