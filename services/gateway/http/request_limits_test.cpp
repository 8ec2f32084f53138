#include "http/request_limits.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;

namespace {

std::string head(const std::string& headers) {
  return "POST /api/auth/setup HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
}

int status_of(const std::string& headers, request_limits limits = {}) {
  auto verdict = check_request_head(head(headers), limits);
  return verdict.refusal ? verdict.refusal->status : 0;
}

} // namespace

TEST(request_limits, finds_the_end_of_a_head) {
  EXPECT_FALSE(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\nbody"), 18u);
}

TEST(request_limits, accepts_a_plain_body_within_the_limit) {
  auto verdict = check_request_head(head("Content-Length: 12\r\n"), {});
  EXPECT_FALSE(verdict.refusal);
  EXPECT_EQ(verdict.content_length, 12u);
  EXPECT_EQ(status_of("Content-Encoding: identity\r\n"), 0);
  EXPECT_EQ(status_of(""), 0);
}

TEST(request_limits, refuses_compressed_bodies) {
  EXPECT_EQ(status_of("Content-Encoding: gzip\r\nContent-Length: 5\r\n"), 415);
  EXPECT_EQ(status_of("content-encoding:  deflate \r\n"), 415);
  EXPECT_EQ(status_of("Content-Encoding: br, identity\r\n"), 415);
}

TEST(request_limits, refuses_chunked_and_other_transfer_encodings) {
  EXPECT_EQ(status_of("Transfer-Encoding: chunked\r\n"), 411);
  EXPECT_EQ(status_of("transfer-encoding: CHUNKED\r\n"), 411);
  EXPECT_EQ(status_of("Transfer-Encoding: gzip, chunked\r\n"), 400);
}

TEST(request_limits, refuses_bad_or_large_lengths) {
  EXPECT_EQ(status_of("Content-Length: 1048577\r\n"), 413);
  EXPECT_EQ(status_of("Content-Length: 1048576\r\n"), 0);
  EXPECT_EQ(status_of("Content-Length: -1\r\n"), 400);
  EXPECT_EQ(status_of("Content-Length: 99999999999999999999999\r\n"), 400);
  EXPECT_EQ(status_of("Content-Length: 1\r\nContent-Length: 1\r\n"), 400);
}

TEST(request_limits, counts_header_lines) {
  request_limits limits;
  limits.max_header_lines = 3;
  // Host plus two more: three lines.
  EXPECT_EQ(status_of("A: 1\r\nB: 2\r\n", limits), 0);
  EXPECT_EQ(status_of("A: 1\r\nB: 2\r\nC: 3\r\n", limits), 431);
}

TEST(request_limits, names_the_head_limit) {
  auto refusal = head_too_large({});
  EXPECT_EQ(refusal.status, 431);
  EXPECT_NE(refusal.message.find("16384"), std::string::npos);
}
