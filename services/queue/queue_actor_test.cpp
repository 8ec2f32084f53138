// The queue service actor and its bus edge between a fake bus and a fake
// store, on CAF's deterministic test coordinator: every message is run by
// the test, timers fire only when the test advances the clock, and a slow
// store answer is a promise the test delivers when it chooses. No sleeps,
// no polling.

#include "actors.hpp"
#include "kumo/metrics.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::queue;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// Everything the fake bus and store saw. Only the test thread touches it:
/// the test coordinator runs every actor on that thread.
struct recorder {
  std::vector<std::pair<std::string, std::string>> published;
  std::vector<std::string> requested; ///< bus requests (subjects)
  std::vector<std::string> executed;  ///< store commands (action names)
  std::vector<bus_listener> listeners;
  std::vector<caf::typed_response_promise<outcome>> held; ///< slow answers

  /// Payloads published on `subject`, in order.
  std::vector<json> on(const std::string& subject) const {
    std::vector<json> out;
    for (const auto& [s, p] : published)
      if (s == subject)
        out.push_back(json::parse(p));
    return out;
  }

  size_t index_of(const std::string& subject) const {
    for (size_t i = 0; i < published.size(); ++i)
      if (published[i].first == subject)
        return i;
    return SIZE_MAX;
  }

  size_t count(const std::string& action) const {
    return static_cast<size_t>(
        std::count(executed.begin(), executed.end(), action));
  }
};

bus_actor::behavior_type fake_bus(bus_actor::pointer, recorder* rec) {
  return {
      [=](publish_atom, const std::string& subject, const std::string& data) {
        rec->published.emplace_back(subject, data);
      },
      [=](request_atom, const std::string& subject, const std::string&,
          caf::timespan) -> caf::result<std::string> {
        rec->requested.push_back(subject);
        return std::string{R"({"ok":true})"};
      },
      [=](gather_atom, const std::string&, const std::string&, caf::timespan,
          uint32_t) -> caf::result<std::vector<std::string>> {
        return std::vector<std::string>{};
      },
      [=](subscribe_atom, const std::string&, const std::string&,
          bus_listener listener) {
        rec->listeners.push_back(std::move(listener));
        return true;
      },
      [=](inbox_atom, uint64_t, const std::string&, bool) {},
      [=](timeout_atom, uint64_t) {},
  };
}

const std::string item_id = "0e8d3f4a-1111-4222-8333-444455556666";

outcome cancelled_outcome() {
  queue_item item;
  item.id = item_id;
  item.serie_name = "Show";
  item.status = item_status::cancelled;
  outcome out;
  out.reply = to_json(item);
  out.fx.controls.push_back({item_id, "cancel"});
  out.fx.lifecycle.push_back({item, "cancelled", json::object()});
  out.fx.discards.push_back({item_id, "Show/Season 01/Show - S01E01.mkv"});
  out.fx.queue_changed = true;
  return out;
}

using release_atom = caf::atom_constant<caf::atom("release")>;

/// Canned outcomes; a claim from worker "slow" is held until the test sends
/// release_atom (a promise is delivered from inside its actor). Dynamically
/// typed for that extra message, used through a store_actor handle.
caf::behavior fake_store(caf::event_based_actor* self, recorder* rec) {
  return {
      [=](release_atom) {
        outcome claimed;
        claimed.reply = {{"jobs", json::array()}};
        for (auto& promise : rec->held)
          promise.deliver(claimed);
        rec->held.clear();
      },
      [=](execute_atom, const command& cmd, int64_t) -> caf::result<outcome> {
        auto name = action_name(cmd);
        rec->executed.push_back(name);
        outcome out;
        if (name == "claim") {
          out.reply = {{"jobs", json::array()}};
          if (std::get<wire::claim_request>(cmd).worker == "slow") {
            rec->held.push_back(self->make_response_promise<outcome>());
            return rec->held.back();
          }
        } else if (name == "cancel_item") {
          out = cancelled_outcome();
        } else if (name == "add") {
          out.reply = {{"items", json::array()}, {"skipped", json::array()}};
          out.fx.claimable = 4;
        } else if (name == "get") {
          return make_error(errc::not_found, "no queue item " + item_id);
        } else if (name == "snapshot") {
          out.fx.counts = status_counts{{"pending", 4}};
          out.fx.flags = queue_flags{};
        }
        return out;
      },
  };
}

caf::actor_system_config& testing_policy(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

class queue_actor_test : public ::testing::Test {
protected:
  queue_actor_test()
      : metrics_("queue", "test"),
        sys_(testing_policy(cfg_)),
        sched_(
            dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
    bus_ = sys_.spawn(fake_bus, &rec_);
    store_ = sys_.spawn(fake_store, &rec_);
    std::vector<store_actor> stores{caf::actor_cast<store_actor>(store_)};
    queue_settings qs;
    qs.reap_interval = std::chrono::hours(1);
    qs.flush_delay = 10ms;
    queue_ = spawn_queue(sys_, std::move(qs), stores, bus_, metrics_);
    sched_.run();
  }

  ~queue_actor_test() override {
    caf::anon_send_exit(queue_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(bus_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
    sched_.run();
  }

  /// A request arriving on the bus, run to completion.
  void request(const std::string& subject, const json& body,
               const std::string& reply) {
    ASSERT_FALSE(rec_.listeners.empty()) << "the edge did not subscribe";
    caf::anon_send(rec_.listeners.front(),
                   bus_message{subject, reply, body.dump()});
    sched_.run();
  }

  // The recorder and the metrics outlive the actor system and its actors.
  kumo::metrics metrics_;
  recorder rec_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  bus_actor bus_;
  caf::actor store_;
  queue_actor queue_;
};

} // namespace

TEST_F(queue_actor_test, the_edge_subscribes_to_every_queue_subject) {
  EXPECT_EQ(rec_.listeners.size(), 4u);
}

TEST_F(queue_actor_test, bad_requests_get_an_error_and_never_reach_the_store) {
  request("kumo.queue.cmd.pause_item", {{"id", "x"}}, "_INBOX.1");
  auto replies = rec_.on("_INBOX.1");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["error"]["code"], "invalid_argument");
  EXPECT_EQ(replies[0]["error"]["message"], "id must be a UUID");
  EXPECT_EQ(rec_.count("pause_item"), 0u);
}

TEST_F(queue_actor_test, store_errors_become_contract_errors) {
  request("kumo.queue.cmd.get", {{"id", item_id}}, "_INBOX.2");
  ASSERT_EQ(rec_.on("_INBOX.2").size(), 1u);
  EXPECT_EQ(rec_.on("_INBOX.2")[0]["error"]["code"], "not_found");
}

TEST_F(queue_actor_test, cancel_publishes_reply_control_progress_and_discards) {
  request("kumo.queue.cmd.cancel_item", {{"id", item_id}}, "_INBOX.3");
  ASSERT_EQ(rec_.on("_INBOX.3").size(), 1u);
  EXPECT_EQ(rec_.on("_INBOX.3")[0]["status"], "cancelled");
  auto control = rec_.on(subjects::job_control(item_id));
  ASSERT_EQ(control.size(), 1u);
  EXPECT_EQ(control[0]["action"], "cancel");
  auto progress = rec_.on(subjects::progress("download"));
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0]["status"], "cancelled");
  EXPECT_EQ(progress[0]["id"], "download:" + item_id);
  EXPECT_LT(rec_.index_of("_INBOX.3"),
            rec_.index_of(subjects::job_control(item_id)));
  // The downloader acknowledged the discard: the store forgets it.
  ASSERT_EQ(rec_.requested,
            std::vector<std::string>{subjects::discard_partial});
  EXPECT_EQ(rec_.count("discarded"), 1u);
  // The queue progress event follows once the flush delay passed.
  EXPECT_TRUE(rec_.on(subjects::progress("queue")).empty());
  sched_.advance_time(10ms);
  sched_.run();
  auto queue = rec_.on(subjects::progress("queue"));
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0]["metadata"]["action"], "cancel_item");
  EXPECT_EQ(queue[0]["metadata"]["queue_status"]["counts"]["pending"], 4);
}

TEST_F(queue_actor_test, new_claimable_work_wakes_workers) {
  json episode = {
      {"season", 1},
      {"episode", 1},
      {"source", {{"provider", "direct"}, {"url", "http://h/e.mkv"}}}};
  json add = {{"serie_id", "show"},
              {"serie_folder", "Show"},
              {"serie_name", "Show"},
              {"episodes", json::array({episode})}};
  request("kumo.queue.cmd.add", add, "_INBOX.4");
  ASSERT_EQ(rec_.on("_INBOX.4").size(), 1u);
  EXPECT_FALSE(rec_.on("_INBOX.4")[0].contains("error"))
      << rec_.on("_INBOX.4")[0];
  EXPECT_EQ(rec_.on("_INBOX.4")[0]["skipped"], json::array());
  auto wake = rec_.on(subjects::jobs_available);
  ASSERT_EQ(wake.size(), 1u);
  EXPECT_EQ(wake[0], json({{"pending", 4}}));
}

TEST_F(queue_actor_test, a_loopback_source_is_refused_at_the_edge) {
  json add = {{"serie_id", "show"},
              {"serie_folder", "Show"},
              {"serie_name", "Show"},
              {"episodes",
               {{{"season", 1},
                 {"episode", 1},
                 {"source",
                  {{"provider", "direct"}, {"url", "http://0x7f.1/e.mkv"}}}}}}};
  request("kumo.queue.cmd.add", add, "_INBOX.7");
  ASSERT_EQ(rec_.on("_INBOX.7").size(), 1u);
  EXPECT_EQ(rec_.on("_INBOX.7")[0]["error"]["code"], "invalid_argument");
  EXPECT_EQ(rec_.count("add"), 0u);
}

TEST_F(queue_actor_test,
       drain_waits_for_transactions_in_flight_then_stops_answering) {
  request(subjects::queue_claim, {{"worker", "slow"}}, "_INBOX.5");
  ASSERT_EQ(rec_.count("claim"), 1u);
  ASSERT_EQ(rec_.held.size(), 1u);
  caf::scoped_actor self{sys_};
  self->send(caf::actor_cast<drainable_actor>(queue_), drain_atom::value);
  sched_.run();
  bool drained = false;
  auto poll = [&] {
    self->receive([&](bool ok) { drained = ok; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  };
  poll();
  EXPECT_FALSE(drained) << "answered before the claim in flight finished";
  caf::anon_send(store_, release_atom::value);
  sched_.run();
  poll();
  EXPECT_TRUE(drained);
  EXPECT_EQ(rec_.on("_INBOX.5").size(), 1u) << "the claim in flight answered";
  request(subjects::queue_claim, {{"worker", "late"}}, "_INBOX.6");
  EXPECT_TRUE(rec_.on("_INBOX.6").empty()) << "no answers while draining";
  EXPECT_EQ(rec_.count("claim"), 1u);
}
