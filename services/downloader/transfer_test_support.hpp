#pragma once

// What the transfer and segmented download tests share: deterministic
// content, its digest, an observer that records what the engine reports, and
// a fixture with a private folder, a loopback-only address policy and
// settings with short timeouts.

#include "sha256.hpp"
#include "test_origin.hpp"
#include "transfer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace kumo::downloader::testing {

constexpr int64_t mib = int64_t{1} << 20;

/// `size` pseudo-random bytes, the same for the same `seed`.
inline std::string make_content(size_t size, uint32_t seed = 12345) {
  std::string out(size, '\0');
  uint32_t x = seed;
  for (auto& c : out) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

inline std::string digest(const std::string& data) {
  sha256 h;
  h.update(data.data(), data.size());
  return h.hex_digest();
}

/// Records the engine's reports; `allow` answers may_continue(). Safe from
/// the coordinator's and the lanes' threads.
struct recording_observer : transfer_observer {
  std::function<bool()> allow = [] { return true; };
  std::mutex mutex;
  std::vector<durable_state> durable;
  int64_t started_at = -1;
  int64_t written = 0;
  int64_t last_current = 0;

  bool may_continue() override {
    return allow();
  }
  void on_durable(const durable_state& s) override {
    std::lock_guard<std::mutex> guard{mutex};
    durable.push_back(s);
  }
  void on_started(int64_t offset, int64_t) override {
    started_at = offset;
  }
  void on_progress(int64_t w, int64_t current, int64_t, int64_t) override {
    written += w;
    last_current = current;
  }
};

/// An answer of `status` with no body worth writing.
inline origin_response status_only(int status, std::string reason,
                                   std::string body = {}) {
  origin_response res;
  res.status = status;
  res.reason = std::move(reason);
  res.body = std::move(body);
  return res;
}

/// The Range header of every request `origin` received ("" for none),
/// sorted.
inline std::vector<std::string> ranges_asked(test_origin& origin) {
  std::vector<std::string> out;
  for (const auto& r : origin.requests()) {
    auto i = r.headers.find("range");
    out.push_back(i == r.headers.end() ? "" : i->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A private folder with `<name>` as the target, loopback allowed.
class transfer_fixture : public ::testing::Test {
protected:
  explicit transfer_fixture(std::string name) : name_(std::move(name)) {}

  void SetUp() override {
    std::string pattern = "/tmp/kumo-transfer-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    paths_.directory = dir_;
    paths_.final_path = dir_ + "/" + name_;
    paths_.part_path = paths_.final_path + ".part";
    allow_loopback_ = address_policy{*parse_cidr_list("127.0.0.1/32")};
    settings_.user_agent = "kumo-test";
    settings_.connect_timeout = std::chrono::seconds{2};
    settings_.stall_timeout = std::chrono::seconds{5};
    settings_.sync_interval = std::chrono::milliseconds{10};
    settings_.policy = &allow_loopback_;
  }

  void TearDown() override {
    std::filesystem::remove_all(dir_);
  }

  std::string part() const {
    std::ifstream in{paths_.part_path, std::ios::binary};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  void write_part(const std::string& data) {
    std::ofstream{paths_.part_path, std::ios::binary} << data;
  }

  transfer_spec spec_for(const std::string& url) {
    transfer_spec s;
    s.url = url;
    s.paths = paths_;
    return s;
  }

  /// Serves `content` as a static file with `etag` (see static_file()),
  /// `chunk` bytes per write when not 0, until the fixture ends.
  test_origin& serve_file(std::string content, std::string etag,
                          size_t chunk = 0) {
    origin_ = std::make_unique<test_origin>([content = std::move(content),
                                             etag = std::move(etag),
                                             chunk](const origin_request& r) {
      auto res = static_file(r, content, etag);
      res.chunk = chunk;
      return res;
    });
    return *origin_;
  }

  /// A spec for `url` continuing `kept` bytes written earlier (the `.part`
  /// holds them), of a `total`-byte file (-1: unknown) with `validator`.
  transfer_spec resume_spec(const std::string& url, const std::string& kept,
                            int64_t total, const std::string& validator) {
    write_part(kept);
    auto s = spec_for(url);
    s.bytes_done = static_cast<int64_t>(kept.size());
    s.bytes_total = total;
    s.validator = validator;
    return s;
  }

  /// The download completed and the `.part` holds exactly `content`.
  ::testing::AssertionResult completed_with(const transfer_result& r,
                                            const std::string& content) {
    if (r.outcome != transfer_outcome::completed)
      return ::testing::AssertionFailure() << "not completed: " << r.error;
    if (part() != content)
      return ::testing::AssertionFailure() << "the .part differs";
    return ::testing::AssertionSuccess();
  }

  /// The download failed, `transient` or not.
  static ::testing::AssertionResult failed_as(const transfer_result& r,
                                              bool transient) {
    if (r.outcome != transfer_outcome::failed)
      return ::testing::AssertionFailure() << "did not fail";
    if (r.transient != transient)
      return ::testing::AssertionFailure()
             << "transient is " << r.transient << ": " << r.error;
    return ::testing::AssertionSuccess();
  }

  std::string name_;
  std::string dir_;
  target_paths paths_;
  address_policy allow_loopback_;
  transfer_settings settings_;
  recording_observer observer_;
  std::unique_ptr<test_origin> origin_; ///< serve_file()'s
};

} // namespace kumo::downloader::testing
