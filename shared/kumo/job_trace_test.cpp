// The job trace fields: a lease appears only as a short fingerprint.

#include "kumo/job_trace.hpp"

#include <gtest/gtest.h>

using namespace kumo;

TEST(job_trace, the_lease_fingerprint_is_the_start_of_its_sha256) {
  // printf 'abc' | sha256sum -> ba7816bf8f01cfea...
  EXPECT_EQ(lease_fingerprint("abc"), "ba7816bf");
  EXPECT_EQ(lease_fingerprint(""), "");
  auto token = std::string{"6f1c2d3e-0000-4000-8000-00000000abcd"};
  auto print = lease_fingerprint(token);
  EXPECT_EQ(print.size(), 8u);
  EXPECT_EQ(token.find(print), std::string::npos);
  EXPECT_NE(print, lease_fingerprint("6f1c2d3e-0000-4000-8000-00000000abce"));
}

TEST(job_trace, fields_name_the_event_item_and_lease_but_never_the_token) {
  auto token = std::string{"6f1c2d3e-0000-4000-8000-00000000abcd"};
  auto f = job_fields("claimed", "item-1", token, {{"worker", "w1"}});
  EXPECT_EQ(f["event"], "claimed");
  EXPECT_EQ(f["item"], "item-1");
  EXPECT_EQ(f["lease"], lease_fingerprint(token));
  EXPECT_EQ(f["worker"], "w1");
  EXPECT_EQ(f.dump().find(token), std::string::npos);
  EXPECT_FALSE(job_fields("added", "item-2", "").contains("lease"));
}
