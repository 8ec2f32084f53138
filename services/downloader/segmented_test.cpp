#include "segment_map_file.hpp"
#include "segmented.hpp"
#include "transfer_test_support.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::downloader;
using namespace kumo::downloader::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string etag = "\"seg1\"";

class segmented_test : public transfer_fixture {
protected:
  segmented_test() : transfer_fixture("ep.mkv") {}

  void SetUp() override {
    transfer_fixture::SetUp();
    settings_.segments.min_size = 4 * mib;
    settings_.segments.min_segment = mib;
    settings_.segments.max_connections = 4;
  }
  transfer_spec spec_for(const std::string& url) {
    auto s = transfer_fixture::spec_for(url);
    s.job_id = "job-1";
    return s;
  }
  static std::vector<std::string> ranges(test_origin& o) {
    std::vector<std::string> out;
    for (const auto& r : o.requests()) {
      auto i = r.headers.find("range");
      out.push_back(i == r.headers.end() ? "" : i->second);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

} // namespace

TEST_F(segmented_test, fetches_a_large_file_over_four_ranges) {
  auto content = make_content(8 * mib + 5);
  test_origin origin{
      [&](const origin_request& r) { return static_file(r, content, etag); }};
  auto spec = spec_for(origin.url("/ep.mkv"));
  spec.sha256 = digest(content);
  auto result = run_download(spec, settings_, observer_);
  ASSERT_EQ(result.outcome, transfer_outcome::completed) << result.error;
  EXPECT_EQ(part(), content);
  EXPECT_EQ(result.sha256, spec.sha256);
  EXPECT_EQ(result.state.bytes_done, static_cast<int64_t>(content.size()));
  // No probe: the first connection asks for everything from 0 and becomes
  // segment 0 once its 206 shows size and validator; the other segments
  // follow with If-Range.
  EXPECT_EQ(ranges(origin),
            (std::vector<std::string>{"bytes=0-", "bytes=2097154-4194306",
                                      "bytes=4194307-6291459",
                                      "bytes=6291460-8388612"}));
  for (const auto& r : origin.requests()) {
    if (r.headers.at("range") != "bytes=0-")
      EXPECT_EQ(r.headers.at("if-range"), etag);
  }
  EXPECT_FALSE(fs::exists(segment_map_path(paths_))) << "map left behind";
  for (size_t i = 1; i < observer_.durable.size(); ++i)
    EXPECT_GE(observer_.durable[i].bytes_done,
              observer_.durable[i - 1].bytes_done);
}

TEST_F(segmented_test,
       small_files_and_origins_without_ranges_use_one_connection) {
  auto content = make_content(8 * mib);
  test_origin origin{[&](const origin_request&) {
    origin_response res; // ignores Range, like a server without ranges
    res.headers.emplace_back("ETag", etag);
    res.body = content;
    return res;
  }};
  auto result = run_download(spec_for(origin.url("/a")), settings_, observer_);
  ASSERT_EQ(result.outcome, transfer_outcome::completed) << result.error;
  EXPECT_EQ(part(), content);
  // One request: the answer to the first one is the download.
  EXPECT_EQ(ranges(origin), (std::vector<std::string>{"bytes=0-"}));

  test_origin small{[&](const origin_request& r) {
    return static_file(r, content.substr(0, 2 * mib), etag);
  }};
  auto spec = spec_for(small.url("/b"));
  spec.expected_size = 2 * mib; // below min_size: no range asked
  ASSERT_EQ(run_download(spec, settings_, observer_).outcome,
            transfer_outcome::completed);
  EXPECT_EQ(ranges(small), std::vector<std::string>{""});
}

TEST_F(segmented_test, resumes_every_segment_from_its_map) {
  auto content = make_content(8 * mib);
  // A previous run wrote the first MiB of segments 0 and 2, all of 1.
  std::string on_disk(6 * mib, '\0');
  for (auto [from, len] : {std::pair<int64_t, int64_t>{0, mib},
                           {2 * mib, 2 * mib},
                           {4 * mib, mib}})
    on_disk.replace(from, len, content.substr(from, len));
  std::ofstream{paths_.part_path, std::ios::binary} << on_disk;
  segment_map map{"job-1",
                  etag,
                  8 * mib,
                  inode_of(paths_.part_path),
                  {{0, 2 * mib, mib},
                   {2 * mib, 4 * mib, 2 * mib},
                   {4 * mib, 6 * mib, mib},
                   {6 * mib, 8 * mib, 0}}};
  std::string error;
  ASSERT_TRUE(write_segment_map(paths_, map, &error)) << error;
  test_origin origin{
      [&](const origin_request& r) { return static_file(r, content, etag); }};
  auto spec = spec_for(origin.url("/ep.mkv"));
  spec.sha256 = digest(content);
  auto result = run_download(spec, settings_, observer_);
  ASSERT_EQ(result.outcome, transfer_outcome::completed) << result.error;
  EXPECT_EQ(result.resumed, resume_kind::range);
  EXPECT_EQ(part(), content);
  EXPECT_EQ(result.sha256, spec.sha256);
  EXPECT_GE(result.bytes_read_back, mib); // the durable prefix, from disk
  EXPECT_EQ(ranges(origin),
            (std::vector<std::string>{"bytes=1048576-2097151",
                                      "bytes=5242880-6291455",
                                      "bytes=6291456-8388607"}));

  // The same map for another job, or for another inode, is not used.
  ASSERT_TRUE(map_usable(map, "job-1", map.inode, 6 * mib, 8 * mib));
  EXPECT_FALSE(map_usable(map, "job-2", map.inode, 6 * mib, 8 * mib));
}

TEST_F(segmented_test, a_stop_leaves_a_map_no_further_than_the_durable_bytes) {
  auto content = make_content(8 * mib);
  test_origin origin{[&](const origin_request& r) {
    auto res = static_file(r, content, etag);
    res.chunk = size_t{64} * 1024;
    res.chunk_delay = 20ms;
    return res;
  }};
  // Stops right after the first durable offset above 0: segment 0 has a
  // first MiB synced, the others are about as far, none is complete.
  observer_.allow = [&] {
    std::lock_guard<std::mutex> guard{observer_.mutex};
    return observer_.durable.empty() ||
           observer_.durable.back().bytes_done == 0;
  };
  auto result = run_download(spec_for(origin.url("/x")), settings_, observer_);
  ASSERT_EQ(result.outcome, transfer_outcome::stopped) << result.error;
  auto map = read_segment_map(paths_);
  ASSERT_TRUE(map);
  auto disk = part();
  int64_t written = 0;
  for (const auto& s : map->segments) {
    if (s.done == 0)
      continue;
    ASSERT_LE(s.next(), static_cast<int64_t>(disk.size()));
    EXPECT_EQ(disk.substr(s.start, s.done), content.substr(s.start, s.done));
    written += s.done;
  }
  EXPECT_GT(written, 0);
  EXPECT_LT(written, 8 * mib);
  EXPECT_EQ(result.state.bytes_done, contiguous_prefix(map->segments));
}

TEST_F(segmented_test, a_wrong_digest_fails_and_keeps_nothing) {
  auto content = make_content(8 * mib);
  test_origin origin{
      [&](const origin_request& r) { return static_file(r, content, etag); }};
  auto spec = spec_for(origin.url("/ep.mkv"));
  spec.sha256 = std::string(64, 'a');
  auto result = run_download(spec, settings_, observer_);
  EXPECT_EQ(result.outcome, transfer_outcome::failed);
  EXPECT_TRUE(result.transient);
  EXPECT_NE(result.error.find("sha256 mismatch"), std::string::npos);
  EXPECT_EQ(part(), "");
  EXPECT_FALSE(fs::exists(segment_map_path(paths_)));
}

TEST_F(segmented_test, hashes_the_in_order_prefix_as_it_is_written) {
  auto content = make_content(8 * mib + 5);
  test_origin origin{
      [&](const origin_request& r) { return static_file(r, content, etag); }};
  auto spec = spec_for(origin.url("/ep.mkv"));
  spec.sha256 = digest(content);
  auto result = run_download(spec, settings_, observer_);
  ASSERT_EQ(result.outcome, transfer_outcome::completed) << result.error;
  EXPECT_EQ(result.sha256, spec.sha256);
  // Segment 0 (the first 2097154 bytes) is hashed by its own connection as
  // it writes; only bytes written ahead of the hash are read back.
  EXPECT_LE(result.bytes_read_back,
            static_cast<int64_t>(content.size()) - 2097154);
}

TEST_F(segmented_test,
       a_byte_changed_on_disk_before_a_resume_fails_the_digest) {
  auto content = make_content(8 * mib);
  // A previous run wrote segment 0 and half of segment 1; then one byte of
  // the durable part of segment 1 changed on disk.
  auto on_disk = content.substr(0, 3 * mib);
  on_disk[2 * mib + 10] = static_cast<char>(on_disk[2 * mib + 10] ^ 0x01);
  write_part(on_disk);
  segment_map map{"job-1",
                  etag,
                  8 * mib,
                  inode_of(paths_.part_path),
                  {{0, 2 * mib, 2 * mib},
                   {2 * mib, 4 * mib, mib},
                   {4 * mib, 6 * mib, 0},
                   {6 * mib, 8 * mib, 0}}};
  std::string error;
  ASSERT_TRUE(write_segment_map(paths_, map, &error)) << error;
  test_origin origin{
      [&](const origin_request& r) { return static_file(r, content, etag); }};
  auto spec = spec_for(origin.url("/ep.mkv"));
  spec.sha256 = digest(content);
  auto result = run_download(spec, settings_, observer_);
  EXPECT_EQ(result.resumed, resume_kind::range);
  EXPECT_EQ(result.outcome, transfer_outcome::failed);
  EXPECT_NE(result.error.find("sha256 mismatch"), std::string::npos)
      << result.error;
  EXPECT_GE(result.bytes_read_back, 3 * mib); // the resumed bytes, from disk
  EXPECT_EQ(part(), "");
}

TEST_F(segmented_test, an_empty_file_completes_after_its_first_request) {
  // `Range: bytes=0-` of an empty file is answered 416 (bytes */0).
  test_origin origin{
      [&](const origin_request& r) { return static_file(r, "", etag); }};
  auto spec = spec_for(origin.url("/empty"));
  spec.sha256 = digest("");
  auto result = run_download(spec, settings_, observer_);
  ASSERT_EQ(result.outcome, transfer_outcome::completed) << result.error;
  EXPECT_EQ(result.sha256, spec.sha256);
  EXPECT_EQ(part(), "");
  EXPECT_EQ(ranges(origin), std::vector<std::string>{"bytes=0-"});
}
