#include "resume.hpp"

#include <gtest/gtest.h>

using namespace kumo::downloader;

namespace {

response_head partial(int64_t first, int64_t last, int64_t total,
                      std::string validator = "\"v1\"") {
  response_head h;
  h.status = 206;
  h.has_range_header = true;
  h.range = content_range{first, last, total};
  h.content_length = last - first + 1;
  h.validator = std::move(validator);
  return h;
}

response_head status_only(long status, int64_t length = -1) {
  response_head h;
  h.status = status;
  h.content_length = length;
  return h;
}

request_facts resuming_at(int64_t offset, int64_t total = 1000) {
  request_facts f;
  f.offset = offset;
  f.sent_validator = "\"v1\"";
  f.resumed_total = total;
  return f;
}

} // namespace

TEST(content_range, parses_the_three_forms) {
  auto a = parse_content_range("bytes 100-999/1000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first, 100);
  EXPECT_EQ(a->last, 999);
  EXPECT_EQ(a->total, 1000);
  auto b = parse_content_range("bytes 0-9/*");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->total, -1);
  auto c = parse_content_range("bytes */1000\r\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, -1);
  EXPECT_EQ(c->total, 1000);
}

TEST(content_range, rejects_malformed_values) {
  for (const char* bad :
       {"", "bytes", "items 0-1/2", "bytes 5-4/10", "bytes 0-10/10",
        "bytes */*", "bytes -1-2/3", "bytes 0-1", "bytes a-b/c",
        "bytes 0-1/99999999999999999999"})
    EXPECT_FALSE(parse_content_range(bad)) << bad;
}

TEST(validator, prefers_a_strong_etag) {
  EXPECT_EQ(choose_validator("\"abc\"", "Tue, 01 Jan 2030 00:00:00 GMT"),
            "\"abc\"");
  EXPECT_EQ(choose_validator("W/\"abc\"", "Tue, 01 Jan 2030 00:00:00 GMT"),
            "Tue, 01 Jan 2030 00:00:00 GMT");
  EXPECT_EQ(choose_validator("", " Tue, 01 Jan 2030 00:00:00 GMT\r\n"),
            "Tue, 01 Jan 2030 00:00:00 GMT");
  EXPECT_EQ(choose_validator("W/\"abc\"", ""), "");
}

TEST(resume_offset, is_the_smaller_of_file_size_and_durable_offset) {
  auto p = plan_resume(5000, 4096, "\"v\"");
  EXPECT_EQ(p.offset, 4096);
  EXPECT_EQ(p.kind, resume_kind::range);
  p = plan_resume(3000, 4096, "\"v\"");
  EXPECT_EQ(p.offset, 3000); // file shorter than the recorded offset
  EXPECT_EQ(p.kind, resume_kind::range);
}

TEST(resume_offset, starts_fresh_without_previous_data) {
  auto p = plan_resume(-1, 0, "");
  EXPECT_EQ(p.offset, 0);
  EXPECT_EQ(p.kind, resume_kind::fresh);
  p = plan_resume(0, 0, "\"v\"");
  EXPECT_EQ(p.kind, resume_kind::fresh);
}

TEST(resume_offset, restarts_when_data_cannot_be_trusted) {
  // No validator: the server cannot confirm the file is unchanged.
  auto p = plan_resume(5000, 4096, "");
  EXPECT_EQ(p.offset, 0);
  EXPECT_EQ(p.kind, resume_kind::restart);
  // The partial file vanished although the queue recorded progress.
  p = plan_resume(-1, 4096, "\"v\"");
  EXPECT_EQ(p.offset, 0);
  EXPECT_EQ(p.kind, resume_kind::restart);
  // Bytes on disk that were never reported durable.
  p = plan_resume(5000, 0, "\"v\"");
  EXPECT_EQ(p.offset, 0);
  EXPECT_EQ(p.kind, resume_kind::restart);
}

TEST(classify, appends_a_206_at_our_offset) {
  auto d = classify_response(partial(400, 999, 1000), resuming_at(400));
  EXPECT_EQ(d.action, response_action::write_from_offset);
  EXPECT_EQ(d.total, 1000);
}

TEST(classify, refetches_a_206_at_the_wrong_offset) {
  auto d = classify_response(partial(0, 999, 1000), resuming_at(400));
  EXPECT_EQ(d.action, response_action::refetch_from_zero);
  EXPECT_NE(d.reason.find("expected 400"), std::string::npos) << d.reason;
  d = classify_response(partial(500, 999, 1000), resuming_at(400));
  EXPECT_EQ(d.action, response_action::refetch_from_zero);
}

TEST(classify, refetches_a_206_whose_total_or_validator_changed) {
  auto d = classify_response(partial(400, 1999, 2000), resuming_at(400, 1000));
  EXPECT_EQ(d.action, response_action::refetch_from_zero);
  d = classify_response(partial(400, 999, 1000, "\"v2\""), resuming_at(400));
  EXPECT_EQ(d.action, response_action::refetch_from_zero);
  d = classify_response(partial(400, 899, 1000), resuming_at(400));
  EXPECT_EQ(d.action, response_action::refetch_from_zero); // stops short
  auto no_range = partial(400, 999, 1000);
  no_range.range.reset();
  EXPECT_EQ(classify_response(no_range, resuming_at(400)).action,
            response_action::refetch_from_zero);
}

TEST(classify, a_first_answer_cut_where_asked_is_fetched_again_whole) {
  // `Range: bytes=0-99` of a 1000-byte file nobody took over: not written,
  // asked again without Range; cut anywhere else it is a broken answer.
  request_facts first;
  first.asked_last = 99;
  auto d = classify_response(partial(0, 99, 1000), first);
  EXPECT_EQ(d.action, response_action::refetch_from_zero);
  EXPECT_EQ(classify_response(partial(0, 49, 1000), first).action,
            response_action::fail_transient);
  // The whole file in that answer is the download.
  EXPECT_EQ(classify_response(partial(0, 99, 100), first).action,
            response_action::write_from_offset);
  // A total other than the declared size still fails for good.
  first.expected_size = 2000;
  EXPECT_EQ(classify_response(partial(0, 99, 1000), first).action,
            response_action::fail_permanent);
}

TEST(classify, a_206_must_agree_with_the_source_size) {
  auto facts = resuming_at(400, -1);
  facts.expected_size = 1000;
  EXPECT_EQ(classify_response(partial(400, 999, 1000), facts).action,
            response_action::write_from_offset);
  EXPECT_EQ(classify_response(partial(400, 1099, 1100), facts).action,
            response_action::refetch_from_zero);
  // Unknown total ("bytes 400-999/*") is accepted at the right offset.
  EXPECT_EQ(
      classify_response(partial(400, 999, -1), resuming_at(400, -1)).action,
      response_action::write_from_offset);
}

TEST(classify, a_200_to_a_range_request_restarts_the_file) {
  auto d = classify_response(status_only(200, 1200), resuming_at(400));
  EXPECT_EQ(d.action, response_action::write_from_zero);
  EXPECT_EQ(d.total, 1200);
  request_facts fresh;
  d = classify_response(status_only(200, 1200), fresh);
  EXPECT_EQ(d.action, response_action::write_from_offset);
  d = classify_response(status_only(200, -1), fresh);
  EXPECT_EQ(d.action, response_action::write_from_offset);
  EXPECT_EQ(d.total, -1);
}

TEST(classify, a_200_of_the_wrong_size_fails_early) {
  request_facts facts;
  facts.expected_size = 1000;
  auto d = classify_response(status_only(200, 999), facts);
  EXPECT_EQ(d.action, response_action::fail_permanent);
  EXPECT_NE(d.reason.find("differs from the source"), std::string::npos);
}

TEST(classify, a_416_with_the_whole_file_on_disk_is_complete) {
  auto h = status_only(416);
  h.range = content_range{-1, -1, 1000};
  EXPECT_EQ(classify_response(h, resuming_at(1000)).action,
            response_action::complete);
  // Without Content-Range the recorded total decides.
  EXPECT_EQ(classify_response(status_only(416), resuming_at(1000, 1000)).action,
            response_action::complete);
}

TEST(classify, a_416_that_does_not_match_refetches) {
  auto h = status_only(416);
  h.range = content_range{-1, -1, 800};
  EXPECT_EQ(classify_response(h, resuming_at(1000)).action,
            response_action::refetch_from_zero);
  EXPECT_EQ(classify_response(status_only(416), resuming_at(400)).action,
            response_action::refetch_from_zero);
  EXPECT_EQ(classify_response(status_only(416), request_facts{}).action,
            response_action::fail_transient);
}

TEST(classify, client_errors_are_permanent) {
  for (long s : {400L, 401L, 403L, 404L, 405L, 410L, 451L}) {
    auto d = classify_response(status_only(s), resuming_at(0));
    EXPECT_EQ(d.action, response_action::fail_permanent) << s;
    EXPECT_EQ(d.reason, "HTTP " + std::to_string(s));
  }
}

TEST(classify, server_errors_and_throttling_are_transient) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) {
    auto d = classify_response(status_only(s), resuming_at(400));
    EXPECT_EQ(d.action, response_action::fail_transient) << s;
  }
}

TEST(classify, other_statuses_fail) {
  EXPECT_EQ(classify_response(status_only(204), request_facts{}).action,
            response_action::fail_permanent);
  EXPECT_EQ(classify_response(status_only(302), request_facts{}).action,
            response_action::fail_permanent);
}
