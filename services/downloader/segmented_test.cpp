#include "segment_map_file.hpp"
#include "segmented.hpp"
#include "transfer_test_support.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sys/resource.h>

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
  /// A spec for `origin`'s file, to be checked against `content`'s digest.
  transfer_spec hashed_spec(test_origin& origin, const std::string& content) {
    auto s = spec_for(origin.url("/ep.mkv"));
    s.sha256 = digest(content);
    return s;
  }
  /// A `.part` of 8 MiB holding `on_disk`, and this job's map of it.
  segment_map write_resume_state(const std::string& on_disk,
                                 std::vector<segment> segments) {
    write_part(on_disk);
    segment_map map{"job-1", etag, 8 * mib, inode_of(paths_.part_path),
                    std::move(segments)};
    std::string error;
    EXPECT_TRUE(write_segment_map(paths_, map, &error)) << error;
    return map;
  }
  /// Every request after the first carried If-Range with the ETag.
  static void expect_if_range_after_the_first(test_origin& origin) {
    for (const auto& r : origin.requests())
      if (r.headers.at("range").rfind("bytes=0-", 0) != 0) {
        EXPECT_EQ(r.headers.at("if-range"), etag);
      }
  }
};

} // namespace

TEST_F(segmented_test, fetches_a_large_file_over_four_ranges) {
  auto content = make_content(8 * mib + 5);
  auto& origin = serve_file(content, etag);
  auto spec = hashed_spec(origin, content);
  auto result = run_download(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(result, content));
  EXPECT_EQ(result.sha256, spec.sha256);
  EXPECT_EQ(result.state.bytes_done, static_cast<int64_t>(content.size()));
  // No probe: the first connection asks for min_size bytes from 0 and its
  // answer becomes segment 0 once its 206 shows size and validator; the
  // rest is split over the other connections, with If-Range.
  EXPECT_EQ(ranges_asked(origin),
            (std::vector<std::string>{
                "bytes=0-4194303", "bytes=4194304-5592406",
                "bytes=5592407-6990509", "bytes=6990510-8388612"}));
  expect_if_range_after_the_first(origin);
  EXPECT_FALSE(fs::exists(segment_map_path(paths_))) << "map left behind";
  for (size_t i = 1; i < observer_.durable.size(); ++i)
    EXPECT_GE(observer_.durable[i].bytes_done,
              observer_.durable[i - 1].bytes_done);
}

TEST_F(segmented_test, a_declared_size_makes_the_first_request_segment_zero) {
  auto content = make_content(8 * mib + 5);
  auto& origin = serve_file(content, etag);
  auto spec = hashed_spec(origin, content);
  spec.expected_size = static_cast<int64_t>(content.size());
  ASSERT_TRUE(
      completed_with(run_download(spec, settings_, observer_), content));
  EXPECT_EQ(ranges_asked(origin),
            (std::vector<std::string>{
                "bytes=0-2097153", "bytes=2097154-4194306",
                "bytes=4194307-6291459", "bytes=6291460-8388612"}));
  expect_if_range_after_the_first(origin);
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
  ASSERT_TRUE(completed_with(result, content));
  // One request: the answer to the first one is the download.
  EXPECT_EQ(ranges_asked(origin), std::vector<std::string>{"bytes=0-4194303"});

  auto& small = serve_file(content.substr(0, 2 * mib), etag);
  auto spec = spec_for(small.url("/b"));
  spec.expected_size = 2 * mib; // below min_size: no range asked
  ASSERT_TRUE(completed_with(run_download(spec, settings_, observer_),
                             content.substr(0, 2 * mib)));
  EXPECT_EQ(ranges_asked(small), std::vector<std::string>{""});
}

TEST_F(segmented_test, a_first_answer_without_validator_is_fetched_again) {
  // Ranges but no ETag or Last-Modified: nothing to split on safely; the
  // first answer (4 MiB of 8) is dropped and the file asked for whole.
  auto content = make_content(8 * mib);
  test_origin origin{[&](const origin_request& r) {
    auto res = static_file(r, content, etag);
    auto& h = res.headers;
    h.erase(std::remove_if(h.begin(), h.end(),
                           [](const auto& kv) { return kv.first == "ETag"; }),
            h.end());
    return res;
  }};
  auto result = run_download(spec_for(origin.url("/a")), settings_, observer_);
  ASSERT_TRUE(completed_with(result, content));
  EXPECT_EQ(ranges_asked(origin),
            (std::vector<std::string>{"", "bytes=0-4194303"}));
}

TEST_F(segmented_test, resumes_every_segment_from_its_map) {
  auto content = make_content(8 * mib);
  // A previous run wrote the first MiB of segments 0 and 2, all of 1.
  std::string on_disk(6 * mib, '\0');
  for (auto [from, len] : {std::pair<int64_t, int64_t>{0, mib},
                           {2 * mib, 2 * mib},
                           {4 * mib, mib}})
    on_disk.replace(from, len, content.substr(from, len));
  auto map = write_resume_state(on_disk, {{0, 2 * mib, mib},
                                          {2 * mib, 4 * mib, 2 * mib},
                                          {4 * mib, 6 * mib, mib},
                                          {6 * mib, 8 * mib, 0}});
  auto& origin = serve_file(content, etag);
  auto spec = hashed_spec(origin, content);
  auto result = run_download(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(result, content));
  EXPECT_EQ(result.resumed, resume_kind::range);
  EXPECT_EQ(result.sha256, spec.sha256);
  EXPECT_GE(result.bytes_read_back, mib); // the durable prefix, from disk
  EXPECT_EQ(ranges_asked(origin),
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
    res.chunk_delay = 20ms; // slow enough to stop half-way
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
  auto& origin = serve_file(content, etag);
  auto spec = spec_for(origin.url("/ep.mkv"));
  spec.sha256 = std::string(64, 'a');
  auto result = run_download(spec, settings_, observer_);
  EXPECT_TRUE(failed_as(result, true));
  EXPECT_NE(result.error.find("sha256 mismatch"), std::string::npos);
  EXPECT_EQ(part(), "");
  EXPECT_FALSE(fs::exists(segment_map_path(paths_)));
}

TEST_F(segmented_test, hashes_the_in_order_prefix_as_it_is_written) {
  auto content = make_content(8 * mib + 5);
  auto& origin = serve_file(content, etag);
  auto spec = hashed_spec(origin, content);
  auto result = run_download(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(result, content));
  EXPECT_EQ(result.sha256, spec.sha256);
  // Segment 0 (the first 4 MiB) is hashed by its own connection as it
  // writes; only bytes written ahead of the hash are read back.
  EXPECT_LE(result.bytes_read_back,
            static_cast<int64_t>(content.size()) - 4 * mib);
}

TEST_F(segmented_test,
       a_byte_changed_on_disk_before_a_resume_fails_the_digest) {
  auto content = make_content(8 * mib);
  // A previous run wrote segment 0 and half of segment 1; then one byte of
  // the durable part of segment 1 changed on disk.
  auto on_disk = content.substr(0, 3 * mib);
  on_disk[2 * mib + 10] = static_cast<char>(on_disk[2 * mib + 10] ^ 0x01);
  write_resume_state(on_disk, {{0, 2 * mib, 2 * mib},
                               {2 * mib, 4 * mib, mib},
                               {4 * mib, 6 * mib, 0},
                               {6 * mib, 8 * mib, 0}});
  auto& origin = serve_file(content, etag);
  auto result =
      run_download(hashed_spec(origin, content), settings_, observer_);
  EXPECT_EQ(result.resumed, resume_kind::range);
  EXPECT_TRUE(failed_as(result, true));
  EXPECT_NE(result.error.find("sha256 mismatch"), std::string::npos)
      << result.error;
  EXPECT_GE(result.bytes_read_back, 3 * mib); // the resumed bytes, from disk
  EXPECT_EQ(part(), "");
}

TEST_F(segmented_test, an_empty_file_completes_after_its_first_request) {
  // `Range: bytes=0-` of an empty file is answered 416 (bytes */0).
  auto& origin = serve_file("", etag);
  auto spec = hashed_spec(origin, "");
  auto result = run_download(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(result, ""));
  EXPECT_EQ(result.sha256, spec.sha256);
  EXPECT_EQ(ranges_asked(origin), std::vector<std::string>{"bytes=0-4194303"});
}

TEST_F(segmented_test, the_origin_sends_every_byte_once_into_one_part_file) {
  // Large enough that the origin could push socket buffers' worth past the
  // end of segment 0 if the first request asked for more than it.
  auto content = make_content(48 * mib);
  auto& origin = serve_file(content, etag, size_t{256} * 1024);
  // The `.part` inode at every durable report: one file from the first
  // report to the last.
  struct inode_observer : recording_observer {
    std::string path;
    std::set<uint64_t> inodes;
    void on_durable(const durable_state& s) override {
      recording_observer::on_durable(s);
      std::lock_guard<std::mutex> guard{mutex};
      inodes.insert(inode_of(path));
    }
  } observer;
  observer.path = paths_.part_path;
  auto result = run_download(hashed_spec(origin, content), settings_, observer);
  ASSERT_TRUE(completed_with(result, content));
  // 12 MiB segments: the first answer (4 MiB) and one more request make
  // segment 0.
  EXPECT_EQ(ranges_asked(origin).size(), 5u);
  EXPECT_EQ(origin.body_bytes_sent(), static_cast<int64_t>(content.size()));
  EXPECT_EQ(observer.inodes.size(), 1u) << "the .part was created again";
}

namespace {

/// Writes beyond `limit` bytes of any file fail with EFBIG while it lives,
/// like a full disk would for the download (SIGXFSZ ignored meanwhile).
class file_size_limit {
public:
  explicit file_size_limit(rlim_t limit) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit capped = saved_;
    capped.rlim_cur = limit;
    setrlimit(RLIMIT_FSIZE, &capped);
  }
  ~file_size_limit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  file_size_limit(const file_size_limit&) = delete;
  file_size_limit& operator=(const file_size_limit&) = delete;

private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

} // namespace

TEST_F(segmented_test, a_write_that_fails_here_is_not_the_sources_fault) {
  // Tried: segments written beyond 5 MiB of an 8 MiB file fail (EFBIG): the
  // download fails, transient, marked local, like on one connection.
  auto content = make_content(8 * mib);
  auto& origin = serve_file(content, etag);
  for (int connections : {4, 1}) {
    SCOPED_TRACE(connections);
    settings_.segments.max_connections = connections;
    std::filesystem::remove(paths_.part_path);
    transfer_result result;
    {
      file_size_limit limit{5 * mib};
      result =
          run_download(spec_for(origin.url("/ep.mkv")), settings_, observer_);
    }
    EXPECT_TRUE(failed_as(result, true));
    EXPECT_TRUE(result.local) << result.error;
  }
}
