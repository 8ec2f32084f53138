// The declared size and sha256 of a media source, checked on its finished
// file.

#include "media_verify.hpp"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace kumo::downloader;

namespace {

/// sha256 of "hello\n".
const std::string hello_sha =
    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

class media_verify_test : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kumo-media-verify-XXXXXX";
    ASSERT_NE(mkstemp(tmpl), -1);
    path_ = tmpl;
    std::ofstream(path_) << "hello\n";
  }
  void TearDown() override {
    std::remove(path_.c_str());
  }
  std::string path_;
};

} // namespace

TEST_F(media_verify_test, nothing_declared_passes) {
  std::string digest;
  EXPECT_EQ(verify_declared(path_, {}, &digest), "");
  EXPECT_EQ(digest, "");
}

TEST_F(media_verify_test, matching_size_and_sha256_pass_with_the_digest) {
  std::string digest;
  EXPECT_EQ(verify_declared(path_, {6, hello_sha}, &digest), "");
  EXPECT_EQ(digest, hello_sha);
}

TEST_F(media_verify_test, a_wrong_size_or_sha256_is_a_mismatch) {
  EXPECT_EQ(verify_declared(path_, {7, ""}, nullptr),
            "size mismatch: the source declares 7 bytes, the finished file "
            "has 6");
  auto wrong = std::string(64, 'a');
  EXPECT_EQ(verify_declared(path_, {-1, wrong}, nullptr)
                .rfind("sha256 mismatch: the source declares " + wrong, 0),
            0U);
  EXPECT_NE(verify_declared(path_ + ".gone", {6, ""}, nullptr), "");
  EXPECT_NE(verify_declared(path_ + ".gone", {-1, hello_sha}, nullptr), "");
}
