// The per-provider settings the queue applies, against a real PostgreSQL:
// retries and retry_delay_s decide a failed source's retries, and
// max_concurrent caps a provider's downloads at claim, across stores.

#include "store_test_support.hpp"

#include <atomic>
#include <thread>

using namespace kumo;
using namespace kumo::queue;
using namespace kumo::queue::store_testing;

namespace {

class provider_limits_store_test : public store_test {
protected:
  int64_t delay_ms() {
    return scalar("SELECT round(extract(epoch FROM not_before - updated_at) "
                  "* 1000) FROM queue_items");
  }

  int64_t downloading() {
    return scalar(
        "SELECT count(*) FROM queue_items WHERE status = 'downloading'");
  }
};

TEST_F(provider_limits_store_test, provider_retries_decide_a_failed_source) {
  auto s = make_store(); // the retry options were not set
  sql("UPDATE provider_config SET retries = 1, retry_delay_s = 2 "
      "WHERE name = 'direct'");
  add(*s, "show", 1, 1);
  must(s->execute(command{report(claim(*s)[0], "failed", 0, true)}));
  EXPECT_EQ(text("SELECT status FROM queue_items"), "pending");
  EXPECT_EQ(delay_ms(), 2'000) << "the provider's retry_delay_s";
  sql("UPDATE queue_items SET not_before = now()");
  must(s->execute(command{report(claim(*s)[0], "failed", 0, true)}));
  EXPECT_EQ(text("SELECT status FROM queue_items"), "failed")
      << "retries 1: one retry, then failed";
}

TEST_F(provider_limits_store_test, set_retry_options_override_providers) {
  store_options o;
  o.retries = *retry_policy::parse("700ms", 2);
  o.retries_override = true;
  auto s = make_store(o);
  sql("UPDATE provider_config SET retries = 0 WHERE name = 'direct'");
  add(*s, "show", 1, 1);
  must(s->execute(command{report(claim(*s)[0], "failed", 0, true)}));
  EXPECT_EQ(text("SELECT status FROM queue_items"), "pending");
  EXPECT_EQ(delay_ms(), 700) << "the process policy, not retries 0";
}

TEST_F(provider_limits_store_test, max_concurrent_caps_claims_across_stores) {
  auto a = make_store();
  auto b = make_store();
  sql("UPDATE provider_config SET max_concurrent = 1 WHERE name = 'direct'");
  add(*a, "show", 1, 4);
  auto first = claim(*a, 3);
  ASSERT_EQ(first.size(), 1u) << "one download of direct at once";
  EXPECT_TRUE(claim(*b, 3).empty()) << "another store sees the limit too";
  EXPECT_EQ(downloading(), 1);
  EXPECT_EQ(scalar("SELECT max(attempts) FROM queue_items "
                   "WHERE status = 'pending'"),
            0)
      << "nothing else was claimed";
  must(a->execute(command{report(first[0], "completed", 10)}));
  EXPECT_EQ(claim(*b, 3).size(), 1u) << "a slot freed";
  sql("UPDATE provider_config SET max_concurrent = 2 WHERE name = 'direct'");
  EXPECT_EQ(claim(*a, 3).size(), 1u) << "raised: one more";
  EXPECT_EQ(downloading(), 2);
  sql("UPDATE provider_config SET max_concurrent = 0 WHERE name = 'direct'");
  EXPECT_EQ(claim(*a, 3).size(), 1u) << "0: unlimited, the last one goes";
}

TEST_F(provider_limits_store_test, concurrent_claims_never_pass_the_limit) {
  sql("UPDATE provider_config SET max_concurrent = 2 WHERE name = 'direct'");
  {
    auto s = make_store();
    add(*s, "show", 1, 20);
  }
  std::vector<std::unique_ptr<queue_store>> stores;
  stores.reserve(4);
  for (int i = 0; i < 4; ++i)
    stores.push_back(make_store());
  std::atomic<int> handed{0};
  std::vector<std::thread> threads;
  threads.reserve(stores.size());
  for (auto& st : stores)
    threads.emplace_back([&handed, s = st.get()] {
      for (int round = 0; round < 5; ++round) {
        auto r = s->execute(command{wire::claim_request{"w", 3}});
        if (r)
          handed +=
              static_cast<int>(r->reply.get<wire::claim_reply>().jobs.size());
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(handed.load(), 2);
  EXPECT_EQ(downloading(), 2);
}

} // namespace
