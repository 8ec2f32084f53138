// The end shared by the hls and ytdlp jobs: the tool's output becomes the
// job's `.part`.

#include "hls_job.hpp"
#include "media_output.hpp"
#include "transfer_test_support.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

using namespace kumo::downloader;
using namespace kumo::downloader::testing;
namespace fs = std::filesystem;

namespace {

class media_output_test : public transfer_fixture {
protected:
  media_output_test() : transfer_fixture("ep.mkv") {}

  void SetUp() override {
    transfer_fixture::SetUp();
    spec_ = spec_for("http://127.0.0.1/ep.m3u8");
    spec_.job_id = "job-1";
    fs::create_directory(media_workdir(paths_));
    output_ = media_workdir(paths_) + "/tool.out";
  }
  void write_output(const std::string& data) {
    std::ofstream{output_, std::ios::binary} << data;
  }

  transfer_spec spec_;
  std::string output_;
};

} // namespace

TEST_F(media_output_test, the_output_becomes_the_part_and_the_folder_goes) {
  write_output("media bytes");
  spec_.sha256 = digest("media bytes");
  auto r = complete_media_output(output_, spec_, observer_);
  ASSERT_TRUE(completed_with(r, "media bytes"));
  EXPECT_EQ(r.sha256, spec_.sha256);
  EXPECT_EQ(r.state.bytes_done, 11);
  ASSERT_FALSE(observer_.durable.empty());
  EXPECT_EQ(observer_.durable.back().bytes_done, 11);
  EXPECT_FALSE(fs::exists(media_workdir(paths_)));
}

TEST_F(media_output_test, a_declared_digest_that_differs_fails_for_good) {
  write_output("media bytes");
  spec_.sha256 = std::string(64, 'a');
  auto r = complete_media_output(output_, spec_, observer_);
  EXPECT_TRUE(failed_as(r, false));
  EXPECT_FALSE(r.local);
  EXPECT_FALSE(fs::exists(paths_.part_path));
}

TEST_F(media_output_test, no_output_is_a_transient_failure_of_the_source) {
  auto r = complete_media_output(output_, spec_, observer_);
  EXPECT_TRUE(failed_as(r, true));
  EXPECT_FALSE(r.local);
}

TEST_F(media_output_test, an_output_that_cannot_become_the_part_is_local) {
  // Tried: the `.part` name taken by a folder, so the output cannot be
  // moved there: our side's failure, worth a retry, not the source's.
  write_output("media bytes");
  fs::create_directory(paths_.part_path);
  fs::create_directory(paths_.part_path + "/inside");
  auto r = complete_media_output(output_, spec_, observer_);
  EXPECT_TRUE(failed_as(r, true));
  EXPECT_TRUE(r.local) << r.error;
  EXPECT_TRUE(fs::is_directory(paths_.part_path));
}
