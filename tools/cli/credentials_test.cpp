#include "credentials.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace kumo::cli;

namespace {

class credentials_file : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/kumo-cli-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/config/kumo/credentials";
  }

  void TearDown() override {
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(credentials_file, saved_with_mode_0600_and_read_back) {
  auto old_umask = ::umask(0);
  auto err = save_credentials(path_, {"http://h:1", "tok\"en", "2026-12-01"});
  ::umask(old_umask);
  ASSERT_FALSE(err) << *err;
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(dir_ + "/config/kumo"), 0700u);
  auto loaded = load_credentials(path_);
  ASSERT_TRUE(loaded) << loaded.error();
  auto& c = *loaded;
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->url, "http://h:1");
  EXPECT_EQ(c->token, "tok\"en");
}

TEST_F(credentials_file, missing_file_is_no_credentials) {
  auto loaded = load_credentials(path_);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(credentials_file, readable_by_others_is_refused_with_the_fix) {
  ASSERT_FALSE(save_credentials(path_, {"http://h:1", "secret-token", ""}));
  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    auto loaded = load_credentials(path_);
    ASSERT_FALSE(loaded) << mode;
    const auto& msg = loaded.error().message;
    EXPECT_NE(msg.find("chmod 600"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("secret-token"), std::string::npos);
  }
}

TEST_F(credentials_file, malformed_or_odd_files_are_refused) {
  ASSERT_FALSE(save_credentials(path_, {"http://h:1", "t", ""}));
  {
    std::ofstream f{path_, std::ios::trunc};
    f << "{not json";
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  EXPECT_FALSE(load_credentials(path_));
  ::unlink(path_.c_str());
  ASSERT_EQ(::symlink("/etc/hostname", path_.c_str()), 0);
  EXPECT_FALSE(load_credentials(path_));
  ::unlink(path_.c_str());
  ASSERT_EQ(::mkdir(path_.c_str(), 0700), 0);
  EXPECT_FALSE(load_credentials(path_));
}

TEST_F(credentials_file, save_replaces_a_previous_file) {
  ASSERT_FALSE(save_credentials(path_, {"http://a:1", "first", ""}));
  ASSERT_FALSE(save_credentials(path_, {"http://b:2", "second", ""}));
  auto c = load_credentials(path_);
  ASSERT_TRUE(c && c->has_value());
  EXPECT_EQ((*c)->token, "second");
  EXPECT_TRUE(remove_credentials(path_));
  EXPECT_FALSE(remove_credentials(path_));
}

/// Sets (or, with null, clears) an environment variable until the end of
/// the scope.
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name); old != nullptr)
      old_ = std::string(old);
    set(value);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;
  ~scoped_env() {
    set(old_ ? old_->c_str() : nullptr);
  }

private:
  void set(const char* value) {
    if (value != nullptr)
      ::setenv(name_, value, 1);
    else
      ::unsetenv(name_);
  }
  const char* name_;
  std::optional<std::string> old_;
};

TEST_F(credentials_file, saved_credentials_read_the_configured_path) {
  {
    scoped_env xdg("XDG_CONFIG_HOME", (dir_ + "/config").c_str());
    auto none = saved_credentials();
    ASSERT_TRUE(none && !none->has_value());
    ASSERT_FALSE(save_credentials(path_, {"http://h:1", "tok", ""}));
    auto found = saved_credentials();
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->token, "tok");
    ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
    auto refused = saved_credentials(); // tried: a file others may read
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(path_), std::string::npos);
  }
  scoped_env xdg("XDG_CONFIG_HOME", nullptr);
  scoped_env home("HOME", nullptr);
  auto nowhere = saved_credentials();
  EXPECT_TRUE(nowhere && !nowhere->has_value());
}

} // namespace
