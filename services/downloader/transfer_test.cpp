#include "transfer_test_support.hpp"

#include <filesystem>
#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::downloader;
using namespace kumo::downloader::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class transfer_test : public transfer_fixture {
protected:
  transfer_test() : transfer_fixture("ep.mp4") {}
};

const std::string etag = "\"v1\"";

} // namespace

TEST_F(transfer_test, downloads_and_verifies_a_fresh_file) {
  auto content = make_content(3 * 1024 * 1024 + 17);
  auto& origin = serve_file(content, etag);
  auto spec = spec_for(origin.url("/ep.mp4"));
  spec.sha256 = digest(content);
  spec.expected_size = static_cast<int64_t>(content.size());
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::fresh);
  EXPECT_EQ(r.sha256, spec.sha256);
  EXPECT_EQ(r.state.bytes_done, static_cast<int64_t>(content.size()));
  EXPECT_EQ(r.state.validator, etag);
  EXPECT_EQ(observer_.started_at, 0);
  EXPECT_EQ(observer_.written, static_cast<int64_t>(content.size()));
  EXPECT_EQ(ranges_asked(origin), std::vector<std::string>{""});
  // Publishing moves the verified file into place.
  std::string error;
  ASSERT_TRUE(r.file->publish(&error)) << error;
  EXPECT_TRUE(fs::exists(paths_.final_path));
  EXPECT_FALSE(fs::exists(paths_.part_path));
}

TEST_F(transfer_test, resumes_with_range_and_if_range) {
  auto content = make_content(500'000);
  auto& origin = serve_file(content, etag);
  auto spec = resume_spec(origin.url("/ep.mp4"), content.substr(0, 300'000),
                          500'000, etag);
  // Bytes past the durable offset are not trusted.
  write_part(content.substr(0, 300'000) + "garbage beyond the durable offset");
  spec.sha256 = digest(content); // hashes the kept prefix first
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::range);
  EXPECT_EQ(observer_.started_at, 300'000);
  EXPECT_EQ(observer_.written, 200'000);
  auto reqs = origin.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers["range"], "bytes=300000-");
  EXPECT_EQ(reqs[0].headers["if-range"], etag);
}

TEST_F(transfer_test, restarts_when_the_file_changed_on_the_server) {
  auto content = make_content(200'000);
  auto& origin = serve_file(content, "\"v2\"");
  auto spec = resume_spec(origin.url("/ep.mp4"),
                          make_content(100'000).substr(0, 50'000), 300'000,
                          etag); // the old version's validator
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::restart);
  EXPECT_EQ(r.state.validator, "\"v2\"");
  EXPECT_EQ(origin.requests().size(), 1u); // the 200 was used directly
}

TEST_F(transfer_test, starts_over_without_a_validator) {
  auto content = make_content(100'000);
  auto& origin = serve_file(content, etag);
  auto spec =
      resume_spec(origin.url("/ep.mp4"), content.substr(0, 40'000), -1, "");
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::restart);
  EXPECT_EQ(ranges_asked(origin), std::vector<std::string>{""});
}

TEST_F(transfer_test, refetches_from_zero_after_a_206_at_the_wrong_offset) {
  auto content = make_content(100'000);
  test_origin origin{[&](const origin_request& r) {
    if (r.headers.count("range")) {
      origin_response bad; // claims to start at 1000, not at our offset
      bad.status = 206;
      bad.headers = {{"ETag", etag},
                     {"Content-Range", "bytes 1000-99999/100000"}};
      bad.body = content.substr(1000);
      return bad;
    }
    return static_file(r, content, etag);
  }};
  auto spec =
      resume_spec(origin.url("/ep.mp4"), content.substr(0, 60'000), -1, etag);
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::restart);
  EXPECT_EQ(ranges_asked(origin),
            (std::vector<std::string>{"", "bytes=60000-"}));
}

TEST_F(transfer_test, refuses_a_206_for_another_version) {
  auto content = make_content(10'000);
  test_origin origin{[&](const origin_request& r) {
    // A server that ignores If-Range and answers with the new ETag.
    auto res = static_file(r, content, "\"v2\"");
    if (r.headers.count("range")) {
      res = static_file(
          origin_request{r.method, r.path, {{"range", r.headers.at("range")}}},
          content, "\"v2\"");
    }
    return res;
  }};
  auto spec =
      resume_spec(origin.url("/ep.mp4"), content.substr(0, 5000), -1, etag);
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(origin.requests().size(), 2u);
}

TEST_F(transfer_test, a_416_completes_a_file_already_on_disk) {
  auto content = make_content(70'000);
  auto& origin = serve_file(content, etag);
  auto spec = resume_spec(origin.url("/ep.mp4"), content, 70'000, etag);
  spec.sha256 = digest(content);
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::range);
  EXPECT_EQ(r.sha256, spec.sha256);
  EXPECT_EQ(observer_.written, 0);
}

TEST_F(transfer_test, client_errors_fail_permanently) {
  test_origin origin{[](const origin_request&) {
    return status_only(404, "Not Found", "no such file");
  }};
  auto r = run_transfer(spec_for(origin.url("/missing")), settings_, observer_);
  EXPECT_TRUE(failed_as(r, false));
  EXPECT_EQ(r.error, "HTTP 404");
  EXPECT_EQ(part(), ""); // the error page was not written
}

TEST_F(transfer_test, server_errors_fail_transiently_and_keep_the_offset) {
  auto content = make_content(10'000);
  test_origin origin{[](const origin_request&) {
    return status_only(503, "Service Unavailable");
  }};
  auto spec =
      resume_spec(origin.url("/ep.mp4"), content.substr(0, 4000), -1, etag);
  auto r = run_transfer(spec, settings_, observer_);
  EXPECT_TRUE(failed_as(r, true));
  EXPECT_EQ(r.state.bytes_done, 4000);
  EXPECT_EQ(r.state.validator, etag);
  EXPECT_EQ(part(), content.substr(0, 4000));
}

TEST_F(transfer_test, a_checksum_mismatch_discards_the_data) {
  auto content = make_content(10'000);
  auto& origin = serve_file(content, etag);
  auto spec = spec_for(origin.url("/ep.mp4"));
  spec.sha256 = std::string(64, 'a');
  auto r = run_transfer(spec, settings_, observer_);
  EXPECT_TRUE(failed_as(r, true));
  EXPECT_NE(r.error.find("sha256 mismatch"), std::string::npos);
  EXPECT_EQ(r.resumed,
            resume_kind::fresh); // not a restart: nothing was resumed
  EXPECT_EQ(r.state.bytes_done, 0);
  EXPECT_EQ(part(), "");
}

TEST_F(transfer_test, a_wrong_size_fails_before_downloading) {
  auto content = make_content(10'000);
  auto& origin = serve_file(content, etag);
  auto spec = spec_for(origin.url("/ep.mp4"));
  spec.expected_size = 9'999;
  auto r = run_transfer(spec, settings_, observer_);
  EXPECT_TRUE(failed_as(r, false));
  EXPECT_EQ(observer_.written, 0);
}

TEST_F(transfer_test, a_truncated_body_is_a_transient_failure) {
  auto content = make_content(10'000);
  test_origin origin{[&](const origin_request&) {
    origin_response res;
    res.headers = {{"ETag", etag}, {"Content-Length", "20000"}};
    res.send_length = false;
    res.body = content; // connection closes after half of the promise
    return res;
  }};
  auto r = run_transfer(spec_for(origin.url("/ep.mp4")), settings_, observer_);
  EXPECT_TRUE(failed_as(r, true));
  EXPECT_EQ(r.state.bytes_done, 10'000); // resumable from here
  EXPECT_EQ(r.state.validator, etag);
}

TEST_F(transfer_test, stops_writing_as_soon_as_told) {
  auto content = make_content(2'000'000);
  test_origin origin{[&](const origin_request& r) {
    auto res = static_file(r, content, etag);
    res.chunk = size_t{64} * 1024;
    res.chunk_delay = 5ms; // slow enough to stop half-way
    return res;
  }};
  observer_.allow = [this] { return observer_.last_current < 500'000; };
  auto r = run_transfer(spec_for(origin.url("/ep.mp4")), settings_, observer_);
  EXPECT_EQ(r.outcome, transfer_outcome::stopped);
  EXPECT_GT(r.state.bytes_done, 0);
  EXPECT_LT(r.state.bytes_done, 2'000'000);
  // Received but unwritten bytes are dropped at the stop; what is on disk is
  // synced and exactly the durable offset.
  EXPECT_LE(r.state.bytes_done, observer_.last_current);
  EXPECT_EQ(part(), content.substr(0, static_cast<size_t>(r.state.bytes_done)));
}

TEST_F(transfer_test, refuses_loopback_without_an_allowlist) {
  int hits = 0;
  test_origin origin{[&](const origin_request& r) {
    ++hits;
    return static_file(r, "secret", etag);
  }};
  address_policy strict;
  settings_.policy = &strict;
  auto r = run_transfer(spec_for(origin.url("/")), settings_, observer_);
  EXPECT_TRUE(failed_as(r, false));
  EXPECT_EQ(r.error,
            "address 127.0.0.1 is not allowed: 127.0.0.0/8 (loopback)");
  EXPECT_EQ(hits, 0);
}

TEST_F(transfer_test, refuses_a_redirect_to_a_forbidden_address) {
  test_origin inner{
      [](const origin_request& r) { return static_file(r, "secret", etag); }};
  auto inner_url = inner.url("/");
  inner_url.replace(inner_url.find("127.0.0.1"), 9, "127.0.0.2");
  test_origin outer{[&](const origin_request&) {
    auto res = status_only(302, "Found");
    res.headers = {{"Location", inner_url}};
    return res;
  }};
  auto r = run_transfer(spec_for(outer.url("/")), settings_, observer_);
  EXPECT_EQ(r.outcome, transfer_outcome::failed);
  EXPECT_EQ(r.error,
            "address 127.0.0.2 is not allowed: 127.0.0.0/8 (loopback)");
  EXPECT_TRUE(inner.requests().empty());
}

TEST_F(transfer_test, follows_at_most_five_redirects) {
  test_origin loop{[](const origin_request& r) {
    auto res = status_only(302, "Found");
    res.headers = {{"Location", r.path + "x"}};
    return res;
  }};
  auto r = run_transfer(spec_for(loop.url("/a")), settings_, observer_);
  EXPECT_TRUE(failed_as(r, false));
  EXPECT_EQ(loop.requests().size(), 6u);
}

TEST_F(transfer_test, only_http_and_https) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x",
                          "gopher://127.0.0.1/", "dict://127.0.0.1/"}) {
    EXPECT_TRUE(
        failed_as(run_transfer(spec_for(url), settings_, observer_), false))
        << url;
  }
}

TEST_F(transfer_test, the_worker_bandwidth_limit_paces_writes) {
  auto content = make_content(300'000);
  auto& origin = serve_file(content, etag);
  token_bucket bucket{1'000'000, 16'384};
  settings_.bucket = &bucket;
  auto started = std::chrono::steady_clock::now();
  auto r = run_transfer(spec_for(origin.url("/ep.mp4")), settings_, observer_);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_GE(took, 250ms); // (300000 - 16384) bytes at 1 MB/s
}

TEST_F(transfer_test, a_failure_before_any_byte_leaves_no_partial_file) {
  address_policy strict;
  settings_.policy = &strict;
  auto r = run_transfer(spec_for("http://127.0.0.1:9/x"), settings_, observer_);
  EXPECT_EQ(r.outcome, transfer_outcome::failed);
  EXPECT_FALSE(fs::exists(paths_.part_path));
}

TEST_F(transfer_test, the_job_bandwidth_limit_paces_the_transfer) {
  auto content = make_content(600'000);
  auto& origin = serve_file(content, etag);
  auto spec = spec_for(origin.url("/ep.mp4"));
  spec.rate_limit_bps = 400'000;
  auto started = std::chrono::steady_clock::now();
  auto r = run_transfer(spec, settings_, observer_);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_GE(took, 1000ms); // 600 kB at 400 kB/s
}

TEST_F(transfer_test, hashes_a_fresh_download_as_it_is_written) {
  auto content = make_content(5 * mib + 3);
  // Many writes, one of them above 1 MiB.
  auto& origin = serve_file(content, etag, size_t{256} * 1024);
  auto spec = spec_for(origin.url("/ep.mp4"));
  spec.sha256 = digest(content);
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.sha256, spec.sha256);
  EXPECT_EQ(r.bytes_read_back, 0) << "the file was read again to hash it";
}

TEST_F(transfer_test, a_resumed_download_hashes_its_kept_prefix_from_disk) {
  auto content = make_content(500'000);
  auto& origin = serve_file(content, etag);
  auto spec = resume_spec(origin.url("/ep.mp4"), content.substr(0, 300'000),
                          500'000, etag);
  spec.sha256 = digest(content);
  auto r = run_transfer(spec, settings_, observer_);
  ASSERT_TRUE(completed_with(r, content));
  EXPECT_EQ(r.resumed, resume_kind::range);
  EXPECT_EQ(r.sha256, spec.sha256);
  EXPECT_EQ(r.bytes_read_back, 300'000); // the prefix, once; the rest live
}

TEST_F(transfer_test, a_byte_changed_on_disk_before_a_resume_fails_the_digest) {
  auto content = make_content(500'000);
  auto& origin = serve_file(content, etag);
  // Tried: the kept prefix altered between the crash and the resume; the
  // origin sends the right rest. The digest must not trust the prefix.
  auto prefix = content.substr(0, 300'000);
  prefix[123'456] = static_cast<char>(prefix[123'456] ^ 0x01);
  auto spec = resume_spec(origin.url("/ep.mp4"), prefix, 500'000, etag);
  spec.sha256 = digest(content);
  auto r = run_transfer(spec, settings_, observer_);
  EXPECT_TRUE(failed_as(r, true));
  EXPECT_NE(r.error.find("sha256 mismatch"), std::string::npos) << r.error;
  EXPECT_EQ(r.state.bytes_done, 0); // the next attempt starts from zero
  EXPECT_EQ(part(), "");
}
