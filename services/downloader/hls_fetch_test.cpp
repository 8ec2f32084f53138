#include "hls_fetch.hpp"
#include "hls_job.hpp"
#include "hls_process.hpp"
#include "test_origin.hpp"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace kumo;
using namespace kumo::downloader;
using kumo::downloader::testing::origin_request;
using kumo::downloader::testing::origin_response;
using kumo::downloader::testing::test_origin;

namespace {

std::string encrypt(const std::string& plain,
                    const std::array<uint8_t, 16>& key,
                    const std::array<uint8_t, 16>& iv) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key.data(), iv.data());
  std::string out(plain.size() + 32, '\0');
  int n = 0;
  int total = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  EVP_EncryptUpdate(ctx, dst, &n,
                    reinterpret_cast<const unsigned char*>(plain.data()),
                    static_cast<int>(plain.size()));
  total = n;
  EVP_EncryptFinal_ex(ctx, dst + total, &n);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(total) + static_cast<size_t>(n));
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class hls_fetch_test : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kumo-hls-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    allow_ = address_policy{*parse_cidr_list("127.0.0.1/32")};
    settings_.policy = &allow_;
    settings_.stall_timeout = std::chrono::milliseconds{3'000};
  }
  void TearDown() override {
    std::remove((dir_ + "/s.tmp").c_str());
    std::remove((dir_ + "/s.ts").c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
  address_policy allow_;
  hls_fetch_settings settings_;
};

} // namespace

TEST_F(hls_fetch_test, decrypts_a_segment_and_keeps_it_only_when_whole) {
  std::string plain(70'000, '\0');
  for (size_t i = 0; i < plain.size(); ++i)
    plain[i] = static_cast<char>(i * 7);
  std::array<uint8_t, 16> key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  std::array<uint8_t, 16> iv{};
  iv[15] = 3;
  auto cipher = encrypt(plain, key, iv);
  test_origin origin{[&](const origin_request& r) {
    origin_response a;
    if (r.path == "/bad")
      a.status = 404, a.reason = "Not Found";
    else
      a.body = cipher, a.chunk = 4096;
    return a;
  }};
  segment_request req;
  req.url = origin.url("/s.ts");
  req.key = key;
  req.iv = iv;
  std::atomic<int64_t> bytes{0};
  auto out =
      fetch_segment(req, dir_ + "/s.tmp", dir_ + "/s.ts", settings_, &bytes);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(slurp(dir_ + "/s.ts"), plain);
  EXPECT_EQ(bytes.load(), static_cast<int64_t>(cipher.size()));
  std::remove((dir_ + "/s.ts").c_str());
  // Tried: the wrong key -> the padding does not check out: permanent
  // error, no segment file.
  req.key->at(0) ^= 0x5a;
  out = fetch_segment(req, dir_ + "/s.tmp", dir_ + "/s.ts", settings_, &bytes);
  EXPECT_FALSE(out.ok);
  EXPECT_FALSE(out.transient);
  EXPECT_NE(out.error.find("does not decrypt"), std::string::npos) << out.error;
  EXPECT_EQ(access((dir_ + "/s.ts").c_str(), F_OK), -1);
  EXPECT_EQ(access((dir_ + "/s.tmp").c_str(), F_OK), -1);
  // Tried: a 404 -> permanent, nothing kept.
  req.url = origin.url("/bad");
  out = fetch_segment(req, dir_ + "/s.tmp", dir_ + "/s.ts", settings_, &bytes);
  EXPECT_FALSE(out.ok);
  EXPECT_FALSE(out.transient);
  EXPECT_EQ(access((dir_ + "/s.ts").c_str(), F_OK), -1);
}

TEST_F(hls_fetch_test, small_bodies_are_bounded_and_policy_checked) {
  test_origin origin{[](const origin_request&) {
    origin_response a;
    a.body = std::string(5'000, 'k');
    return a;
  }};
  std::string body;
  auto out = fetch_small(origin.url("/key"), 64, settings_, &body);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.error.find("larger than 64"), std::string::npos) << out.error;
  // Tried: a key on an address outside the allowlist -> refused before
  // connecting, permanent.
  auto seen = origin.requests().size();
  address_policy strict;
  settings_.policy = &strict;
  out = fetch_small(origin.url("/key"), 64, settings_, &body);
  EXPECT_FALSE(out.ok);
  EXPECT_FALSE(out.transient);
  EXPECT_NE(out.error.find("not allowed"), std::string::npos) << out.error;
  EXPECT_EQ(origin.requests().size(), seen);
}

TEST(hls_process, runs_programs_without_a_shell_and_bounds_them) {
  std::vector<std::string> lines;
  process_spec spec;
  spec.cwd = "/tmp";
  spec.argv = {"printf", "one\\ntwo; echo three\\n"};
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two; echo three"}));

  spec.argv = {"/nonexistent/yt-dlp", "--version"};
  r = run_process(spec);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.error.find("is not installed"), std::string::npos) << r.error;

  spec.argv = {"sleep", "30"};
  spec.timeout = std::chrono::milliseconds{300};
  auto t0 = std::chrono::steady_clock::now();
  r = run_process(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds{5});
  EXPECT_NE(describe_failure("sleep", r).find("timed out"), std::string::npos);

  spec.timeout = std::chrono::milliseconds{10'000};
  int asked = 0;
  spec.may_continue = [&] { return ++asked < 3; };
  r = run_process(spec);
  EXPECT_TRUE(r.stopped);
}

TEST(hls_media_folder, a_symlink_in_its_place_is_never_followed) {
  char tmpl[] = "/tmp/kumo-hls-folder-XXXXXX";
  std::string root = mkdtemp(tmpl);
  std::string outside = root + "/outside";
  ASSERT_EQ(mkdir(outside.c_str(), 0755), 0);
  std::ofstream{outside + "/keep.txt"} << "precious";
  target_paths paths;
  paths.directory = root;
  paths.final_path = root + "/ep.mp4";
  paths.part_path = paths.final_path + ".part";
  // Tried: the media folder's name is a symlink to another folder -> not a
  // real directory, and removing the media folder deletes nothing there.
  ASSERT_EQ(symlink(outside.c_str(), media_workdir(paths).c_str()), 0);
  EXPECT_FALSE(is_real_directory(media_workdir(paths)));
  remove_media_workdir(paths, "job-1");
  EXPECT_EQ(slurp(outside + "/keep.txt"), "precious");
  unlink(media_workdir(paths).c_str());
  // A real media folder of this job is removed with its files.
  ASSERT_EQ(mkdir(media_workdir(paths).c_str(), 0755), 0);
  std::ofstream{media_workdir(paths) + "/00000.ts.part"} << "x";
  remove_media_workdir(paths, "job-1");
  EXPECT_EQ(access(media_workdir(paths).c_str(), F_OK), -1);
  std::remove((outside + "/keep.txt").c_str());
  rmdir(outside.c_str());
  rmdir(root.c_str());
}
