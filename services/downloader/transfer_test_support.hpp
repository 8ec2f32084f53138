#pragma once

// What the transfer and segmented download tests share: deterministic
// content, its digest, an observer that records what the engine reports, and
// a fixture with a private folder, a loopback-only address policy and
// settings with short timeouts.

#include "sha256.hpp"
#include "test_origin.hpp"
#include "transfer.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
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

  std::string name_;
  std::string dir_;
  target_paths paths_;
  address_policy allow_loopback_;
  transfer_settings settings_;
  recording_observer observer_;
};

} // namespace kumo::downloader::testing
