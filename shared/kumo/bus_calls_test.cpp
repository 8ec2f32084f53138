// The bus helpers (ask, ask_blocking, reply, subscribe) against a real
// nats-server that runs Kumo's permission table (tests/harness/
// with_servers.py --nats starts it and exports KUMO_TEST_NATS_PLAIN_URL and
// KUMO_TEST_NATS_SECRETS), and the subscribe failure policy against buses
// that refuse or never answer.

#include "kumo/bus_calls.hpp"
#include "kumo/health.hpp"
#include "kumo/metrics.hpp"

#include <caf/all.hpp>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace kumo;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string password_of(const std::string& user) {
  std::ifstream in{env("KUMO_TEST_NATS_SECRETS") + "/nats-" + user +
                   "-password"};
  std::string out;
  std::getline(in, out);
  return out;
}

/// Answers every request with "echo:<payload>" through reply().
caf::behavior echo(caf::event_based_actor* self, const bus_actor& bus,
                   const std::string& subject) {
  subscribe(self, bus, subject);
  return {
      [=](const bus_message& msg) {
        reply(self, bus, msg, "echo:" + msg.payload);
      },
  };
}

/// A bus that refuses subscriptions (`refuse`) or never answers them.
bus_actor::behavior_type broken_bus(bus_actor::pointer self, bool refuse) {
  using promise = caf::typed_response_promise<bool>;
  auto parked = std::make_shared<std::vector<promise>>();
  return {
      [](publish_atom, const std::string&, const std::string&) {},
      [](request_atom, const std::string&, const std::string&,
         caf::timespan) -> caf::result<std::string> {
        return make_error(errc::timeout, "no");
      },
      [](gather_atom, const std::string&, const std::string&, caf::timespan,
         uint32_t) -> caf::result<std::vector<std::string>> {
        return std::vector<std::string>{};
      },
      [=](subscribe_atom, const std::string&, const std::string&,
          const bus_listener&) -> caf::result<bool> {
        if (refuse)
          return false;
        parked->push_back(self->make_response_promise<bool>());
        return parked->back();
      },
      [](inbox_atom, uint64_t, const std::string&, bool) {},
      [](timeout_atom, uint64_t) {},
  };
}

class bus_calls : public ::testing::Test {
protected:
  caf::actor_system_config cfg_;
  caf::actor_system sys{cfg_};
  kumo::metrics metrics_a{"test", "0"};
  kumo::metrics metrics_b{"test", "0"};
  readiness ready_a;
  readiness ready_b;

  bus_actor connect(const std::string& user, metrics& m, readiness& r,
                    std::string password = {}) {
    if (password.empty())
      password = password_of(user);
    return spawn_bus(sys,
                     {env("KUMO_TEST_NATS_PLAIN_URL"), "test/" + user, user,
                      std::move(password)},
                     r, m);
  }

  static void wait_for(const std::atomic<bool>& flag) {
    for (int i = 0; i < 100 && !flag; ++i)
      std::this_thread::sleep_for(50ms);
  }

  void SetUp() override {
    if (env("KUMO_TEST_NATS_PLAIN_URL").empty())
      GTEST_SKIP() << "run through tests/harness/with_servers.py --nats";
  }
};

TEST_F(bus_calls, ask_gets_the_reply_of_a_responder) {
  auto queue_bus = connect("queue", metrics_a, ready_a);
  auto worker_bus = connect("downloader", metrics_b, ready_b);
  wait_for(ready_a.nats);
  wait_for(ready_b.nats);
  ASSERT_TRUE(ready_a.nats && ready_b.nats);
  auto responder =
      sys.spawn(echo, queue_bus, std::string{"kumo.queue.heartbeat"});
  caf::scoped_actor self{sys};
  // The subscription reaches the server after the bus confirmed it.
  caf::expected<std::string> answer{make_error(errc::timeout, "none")};
  for (int i = 0; i < 50; ++i) {
    answer = ask_blocking(self.ptr(), worker_bus, "kumo.queue.heartbeat",
                          "beat", 2s);
    if (answer)
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(answer) << caf::to_string(answer.error());
  EXPECT_EQ(*answer, "echo:beat");
  // The same through the event-based form.
  auto me = caf::actor_cast<caf::actor>(self);
  auto asker = sys.spawn([=](caf::event_based_actor* a) -> caf::behavior {
    ask(
        a, worker_bus, "kumo.queue.heartbeat", "again", 2s,
        [=](std::string& text) { a->send(me, text); },
        [=](const caf::error& err) { a->send(me, err); });
    return {[](int) {}};
  });
  self->receive([](const std::string& text) { EXPECT_EQ(text, "echo:again"); },
                [](const caf::error& err) { FAIL() << caf::to_string(err); },
                caf::after(5s) >> [] { FAIL() << "no callback"; });
  for (auto* a : {&responder, &asker})
    caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(queue_bus, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(worker_bus, caf::exit_reason::user_shutdown);
}

TEST_F(bus_calls, ask_without_responders_fails_at_once) {
  auto worker_bus = connect("downloader", metrics_a, ready_a);
  wait_for(ready_a.nats);
  caf::scoped_actor self{sys};
  auto started = std::chrono::steady_clock::now();
  auto answer =
      ask_blocking(self.ptr(), worker_bus, "kumo.queue.report", "{}", 5s);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error(), make_error(errc::no_responders, ""));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  caf::anon_send_exit(worker_bus, caf::exit_reason::user_shutdown);
}

TEST_F(bus_calls, refused_login_keeps_the_bus_not_ready) {
  auto bus = connect("downloader", metrics_a, ready_a, "wrong-password");
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(ready_a.nats);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
}

caf::error down_reason_of_subscriber(caf::actor_system& sys,
                                     const bus_actor& bus,
                                     caf::timespan timeout) {
  caf::scoped_actor self{sys};
  auto subscriber = sys.spawn([=](caf::event_based_actor* a) -> caf::behavior {
    subscribe(a, bus, "kumo.queue.claim", "queue", timeout);
    return {[](const bus_message&) {}};
  });
  self->monitor(subscriber);
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; },
                caf::after(10s) >>
                    [&] { reason = caf::sec::unexpected_message; });
  return reason;
}

TEST(bus_subscribe, refused_subscription_stops_the_subscriber) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bus = sys.spawn(broken_bus, true);
  EXPECT_EQ(down_reason_of_subscriber(sys, bus, 1s),
            make_error(errc::unavailable, ""));
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
}

TEST(bus_subscribe, unconfirmed_subscription_stops_the_subscriber) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bus = sys.spawn(broken_bus, false);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(down_reason_of_subscriber(sys, bus, 200ms),
            caf::sec::request_timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
}

} // namespace
