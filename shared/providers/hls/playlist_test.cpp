#include "hls/playlist.hpp"

#include <gtest/gtest.h>

using namespace kumo::providers::hls;

namespace {

const std::string base = "http://cdn.example/show/ep1/index.m3u8";

const char* vod = "#EXTM3U\n"
                  "#EXT-X-VERSION:3\n"
                  "#EXT-X-TARGETDURATION:2\n"
                  "#EXT-X-MEDIA-SEQUENCE:7\n"
                  "#EXTINF:2.000,\n"
                  "seg0.ts\n"
                  "#EXT-X-KEY:METHOD=AES-128,URI=\"../key.bin\","
                  "IV=0x000102030405060708090a0b0c0d0e0f\n"
                  "#EXTINF:1.5,\r\n"
                  "/abs/seg1.ts?tok=1\r\n"
                  "#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k\"\n"
                  "#EXTINF:0.5,\n"
                  "https://other.example/seg2.ts\n"
                  "#EXT-X-ENDLIST\n";

std::string failure_of(const std::string& text, const limits& lim = {}) {
  auto p = parse(text, base, lim);
  return p ? std::string{} : p.error().message;
}

master_playlist three_variants() {
  master_playlist m;
  m.variants = {{"http://a/360.m3u8", 800'000, 640, 360},
                {"http://a/1080.m3u8", 5'000'000, 1920, 1080},
                {"http://a/720.m3u8", 2'500'000, 1280, 720}};
  return m;
}

} // namespace

TEST(hls_playlist, parses_a_vod_media_playlist) {
  auto p = parse(vod, base);
  ASSERT_TRUE(p) << p.error();
  ASSERT_TRUE(p->media);
  const auto& m = *p->media;
  ASSERT_EQ(m.segments.size(), 3u);
  EXPECT_EQ(m.media_sequence, 7);
  EXPECT_DOUBLE_EQ(m.total_seconds(), 4.0);
  EXPECT_EQ(m.segments[0].url, "http://cdn.example/show/ep1/seg0.ts");
  EXPECT_FALSE(m.segments[0].key);
  EXPECT_EQ(m.segments[1].url, "http://cdn.example/abs/seg1.ts?tok=1");
  ASSERT_TRUE(m.segments[1].key);
  EXPECT_EQ(m.segments[1].key->url, "http://cdn.example/show/key.bin");
  EXPECT_EQ(segment_iv(m.segments[1])[15], 0x0f);
  EXPECT_EQ(m.segments[2].sequence, 9);
  EXPECT_EQ(m.segments[2].key->url, "https://keys.example/k");
  // No IV in the tag: the media sequence number, big-endian.
  auto iv = segment_iv(m.segments[2]);
  EXPECT_EQ(iv[15], 9);
  EXPECT_EQ(iv[0], 0);
}

TEST(hls_playlist, parses_a_master_playlist_and_chooses_variants) {
  auto p = parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,"
                 "RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\n"
                 "low/index.m3u8\n"
                 "#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\n"
                 "high/index.m3u8\n",
                 base);
  ASSERT_TRUE(p) << p.error();
  ASSERT_TRUE(p->master);
  ASSERT_EQ(p->master->variants.size(), 2u);
  EXPECT_EQ(p->master->variants[1].url,
            "http://cdn.example/show/ep1/high/index.m3u8");
  EXPECT_EQ(p->master->variants[0].height, 360);
  auto m = three_variants();
  EXPECT_EQ(choose_variant(m, "best")->height, 1080);
  EXPECT_EQ(choose_variant(m, "worst")->height, 360);
  EXPECT_EQ(choose_variant(m, "720")->height, 720);
  EXPECT_EQ(choose_variant(m, "720p")->height, 720);
  EXPECT_EQ(choose_variant(m, "1000")->height, 720);
  EXPECT_EQ(choose_variant(m, "240")->height, 360); // none small enough
  EXPECT_FALSE(choose_variant(m, "huge"));
  EXPECT_FALSE(choose_variant(m, ""));
  EXPECT_FALSE(choose_variant(master_playlist{}, "best"));
}

TEST(hls_playlist, parses_byte_ranges) {
  auto p = parse("#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\nall.ts\n"
                 "#EXTINF:2,\n#EXT-X-BYTERANGE:50\nall.ts\n#EXT-X-ENDLIST\n",
                 base);
  ASSERT_TRUE(p) << p.error();
  const auto& s = p->media->segments;
  ASSERT_TRUE(s[0].range && s[1].range);
  EXPECT_EQ(s[0].range->length, 100);
  EXPECT_EQ(s[1].range->offset, 100);
  EXPECT_EQ(s[1].range->length, 50);
}

TEST(hls_playlist, refuses_live_playlists) {
  std::string live = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n";
  EXPECT_NE(failure_of(live).find("live playlists are not supported"),
            std::string::npos);
}

TEST(hls_playlist, refuses_hostile_values) {
  std::string head = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n";
  std::string end = "#EXT-X-ENDLIST\n";
  // Tried: 100 000 segments.
  std::string many = head;
  for (int i = 0; i < 100'000; ++i)
    many += "#EXTINF:2,\ns.ts\n";
  EXPECT_NE(failure_of(many + end).find("too many segments"),
            std::string::npos);
  // A 1 MiB line.
  EXPECT_NE(
      failure_of(head + "#EXTINF:2,\n" + std::string(1 << 20, 'a') + "\n" + end)
          .find("line longer"),
      std::string::npos);
  // The whole text over the limit.
  limits small;
  small.max_bytes = 64;
  EXPECT_NE(failure_of(head + "#EXTINF:2,\na.ts\n" + end + std::string(80, '#'),
                       small)
                .find("larger than"),
            std::string::npos);
  EXPECT_NE(failure_of(head + "#EXTINF:-2,\na.ts\n" + end).find("negative"),
            std::string::npos);
  EXPECT_NE(
      failure_of(head + "#EXTINF:nan,\na.ts\n" + end).find("not a number"),
      std::string::npos);
  EXPECT_NE(failure_of(head + "#EXTINF:1e9,\na.ts\n" + end).find("too long"),
            std::string::npos);
  for (const char* uri : {"file:///etc/passwd", "data:text/plain,AAAA",
                          "skd://key", "ftp://h/k"}) {
    std::string text = head;
    text += "#EXT-X-KEY:METHOD=AES-128,URI=\"";
    text += uri;
    text += "\"\n#EXTINF:2,\na.ts\n";
    text += end;
    EXPECT_NE(failure_of(text).find("key URI is not http(s)"),
              std::string::npos)
        << uri;
  }
  EXPECT_NE(failure_of(head + "#EXTINF:2,\nfile:///etc/passwd\n" + end)
                .find("not http(s)"),
            std::string::npos);
  EXPECT_NE(failure_of(head +
                       "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n"
                       "#EXTINF:2,\na.ts\n" +
                       end)
                .find("not supported"),
            std::string::npos);
  EXPECT_NE(failure_of(head +
                       "#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x12\n"
                       "#EXTINF:2,\na.ts\n" +
                       end)
                .find("IV"),
            std::string::npos);
  EXPECT_NE(failure_of("<html>nope</html>").find("#EXTM3U"), std::string::npos);
  EXPECT_NE(failure_of(head + "a.ts\n" + end).find("without EXTINF"),
            std::string::npos);
  EXPECT_NE(failure_of(head + end).find("no segments"), std::string::npos);
  EXPECT_NE(failure_of("#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n")
                .find("BANDWIDTH"),
            std::string::npos);
  EXPECT_NE(failure_of(head + "#EXTINF:2,\na b.ts\n" + end).find("spaces"),
            std::string::npos);
}

TEST(hls_playlist, resolves_relative_urls) {
  EXPECT_EQ(*resolve_url(base, "../../x.ts"), "http://cdn.example/x.ts");
  EXPECT_EQ(*resolve_url(base, "../../../../x.ts"), "http://cdn.example/x.ts");
  EXPECT_EQ(*resolve_url(base, "//h2:8080/y.ts"), "http://h2:8080/y.ts");
  EXPECT_EQ(*resolve_url(base, "./a/./b.ts#frag"),
            "http://cdn.example/show/ep1/a/b.ts");
  EXPECT_EQ(*resolve_url("https://h/p/i.m3u8?x=1", "?y=2"),
            "https://h/p/i.m3u8?y=2");
  EXPECT_EQ(*resolve_url("http://h:81", "s.ts"), "http://h:81/s.ts");
  EXPECT_FALSE(resolve_url(base, "javascript:alert(1)"));
  EXPECT_FALSE(resolve_url("file:///tmp/x.m3u8", "a.ts"));
}
