// The queue service actor between a fake bus and a fake store: what it
// answers, publishes and asks, and in which order.

#include "actors.hpp"
#include "kumo/metrics.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"

#include <caf/all.hpp>
#include <condition_variable>
#include <gtest/gtest.h>
#include <mutex>

using namespace kumo;
using namespace kumo::queue;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// Everything the fake bus and store saw, shared with the test thread.
struct recorder {
  std::mutex mx;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> published;
  std::vector<std::string> requested; ///< bus requests (subjects)
  std::vector<std::string> executed;  ///< store commands (action names)

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds limit = 3s) {
    std::unique_lock<std::mutex> lock{mx};
    return cv.wait_for(lock, limit, [&] { return pred(*this); });
  }

  /// Payloads published on `subject`, in order.
  std::vector<json> on(const std::string& subject) {
    std::lock_guard<std::mutex> lock{mx};
    std::vector<json> out;
    for (auto& [s, p] : published)
      if (s == subject)
        out.push_back(json::parse(p));
    return out;
  }

  size_t index_of(const std::string& subject) {
    std::lock_guard<std::mutex> lock{mx};
    for (size_t i = 0; i < published.size(); ++i)
      if (published[i].first == subject)
        return i;
    return SIZE_MAX;
  }

  void note(std::vector<std::string>& list, std::string value) {
    {
      std::lock_guard<std::mutex> lock{mx};
      list.push_back(std::move(value));
    }
    cv.notify_all();
  }

  void note_publish(std::string subject, std::string payload) {
    {
      std::lock_guard<std::mutex> lock{mx};
      published.emplace_back(std::move(subject), std::move(payload));
    }
    cv.notify_all();
  }
};

bus_actor::behavior_type fake_bus(bus_actor::pointer, recorder* rec) {
  return {
      [=](publish_atom, const std::string& subject, const std::string& data) {
        rec->note_publish(subject, data);
      },
      [=](request_atom, const std::string& subject, const std::string&,
          caf::timespan) -> caf::result<std::string> {
        rec->note(rec->requested, subject);
        return std::string{R"({"ok":true})"};
      },
      [=](gather_atom, const std::string&, const std::string&,
          caf::timespan) -> caf::result<std::vector<std::string>> {
        return std::vector<std::string>{};
      },
      [=](subscribe_atom, const std::string&, const std::string&,
          bus_listener) { return true; },
      [=](inbox_atom, uint64_t, const std::string&, bool) {},
      [=](timeout_atom, uint64_t) {},
  };
}

const std::string item_id = "0e8d3f4a-1111-4222-8333-444455556666";

/// Canned outcomes; a claim from worker "slow" is answered after 300 ms.
store_actor::behavior_type fake_store(store_actor::pointer, recorder* rec) {
  return {
      [=](execute_atom, const command& cmd, int64_t) -> caf::result<outcome> {
        auto name = action_name(cmd);
        rec->note(rec->executed, name);
        outcome out;
        if (name == "claim") {
          out.reply = {{"jobs", json::array()}};
          if (std::get<wire::claim_request>(cmd).worker == "slow")
            std::this_thread::sleep_for(300ms); // detached: blocking is fine
        } else if (name == "cancel_item") {
          queue_item item;
          item.id = item_id;
          item.serie_name = "Show";
          item.status = item_status::cancelled;
          out.reply = to_json(item);
          out.fx.controls.push_back({item_id, "cancel"});
          out.fx.lifecycle.push_back({item, "cancelled", json::object()});
          out.fx.discards.push_back(
              {item_id, "Show/Season 01/Show - S01E01.mkv"});
          out.fx.queue_changed = true;
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

class queue_actor_test : public ::testing::Test {
protected:
  queue_actor_test() : metrics_("queue", "test"), sys_(cfg_) {
    bus_ = sys_.spawn(fake_bus, &rec_);
    std::vector<store_actor> stores{
        sys_.spawn<caf::detached>(fake_store, &rec_)};
    queue_settings qs;
    qs.reap_interval = std::chrono::hours(1);
    qs.flush_delay = 10ms;
    queue_ = spawn_queue(sys_, std::move(qs), stores, bus_, metrics_);
  }

  ~queue_actor_test() override {
    caf::anon_send_exit(queue_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(bus_, caf::exit_reason::user_shutdown);
  }

  void request(const std::string& subject, const json& body,
               const std::string& reply) {
    caf::anon_send(queue_, bus_message{subject, reply, body.dump()});
  }

  bool replied(const std::string& inbox) {
    return rec_.wait([&](recorder& r) {
      for (auto& [s, p] : r.published)
        if (s == inbox)
          return true;
      return false;
    });
  }

  // The recorder and the metrics outlive the actor system and its actors.
  kumo::metrics metrics_;
  recorder rec_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  bus_actor bus_;
  queue_actor queue_;
};

} // namespace

TEST_F(queue_actor_test, bad_requests_get_an_error_and_never_reach_the_store) {
  request("kumo.queue.cmd.pause_item", {{"id", "x"}}, "_INBOX.1");
  ASSERT_TRUE(replied("_INBOX.1"));
  auto reply = rec_.on("_INBOX.1").at(0);
  EXPECT_EQ(reply["error"]["code"], "invalid_argument");
  EXPECT_EQ(reply["error"]["message"], "id must be a UUID");
  std::lock_guard<std::mutex> lock{rec_.mx};
  for (auto& name : rec_.executed)
    EXPECT_NE(name, "pause_item");
}

TEST_F(queue_actor_test, store_errors_become_contract_errors) {
  request("kumo.queue.cmd.get", {{"id", item_id}}, "_INBOX.2");
  ASSERT_TRUE(replied("_INBOX.2"));
  EXPECT_EQ(rec_.on("_INBOX.2").at(0)["error"]["code"], "not_found");
}

TEST_F(queue_actor_test, cancel_publishes_reply_control_progress_and_discards) {
  request("kumo.queue.cmd.cancel_item", {{"id", item_id}}, "_INBOX.3");
  ASSERT_TRUE(replied("_INBOX.3"));
  EXPECT_EQ(rec_.on("_INBOX.3").at(0)["status"], "cancelled");
  ASSERT_TRUE(replied(subjects::job_control(item_id)));
  ASSERT_TRUE(replied(subjects::progress("download")));
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
  ASSERT_TRUE(rec_.wait([](recorder& r) {
    return std::count(r.executed.begin(), r.executed.end(), "discarded") == 1;
  }));
  EXPECT_EQ(rec_.requested.at(0), subjects::discard_partial);
  // The queue progress event follows, coalesced.
  ASSERT_TRUE(rec_.wait([](recorder& r) {
    for (auto& [s, p] : r.published)
      if (s == subjects::progress("queue"))
        return true;
    return false;
  }));
  auto queue = rec_.on(subjects::progress("queue")).at(0);
  EXPECT_EQ(queue["metadata"]["action"], "cancel_item");
  EXPECT_EQ(queue["metadata"]["queue_status"]["counts"]["pending"], 4);
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
  ASSERT_TRUE(replied("_INBOX.4"));
  EXPECT_FALSE(rec_.on("_INBOX.4").at(0).contains("error"))
      << rec_.on("_INBOX.4").at(0);
  ASSERT_TRUE(rec_.wait([](recorder& r) {
    for (auto& [s, p] : r.published)
      if (s == subjects::jobs_available)
        return true;
    return false;
  }));
  EXPECT_EQ(rec_.on(subjects::jobs_available).at(0), json({{"pending", 4}}));
  EXPECT_EQ(rec_.on("_INBOX.4").at(0)["skipped"], json::array());
}

TEST_F(queue_actor_test,
       drain_waits_for_transactions_in_flight_then_stops_answering) {
  request(subjects::queue_claim, {{"worker", "slow"}}, "_INBOX.5");
  ASSERT_TRUE(rec_.wait([](recorder& r) {
    return std::count(r.executed.begin(), r.executed.end(), "claim") == 1;
  }));
  caf::scoped_actor self{sys_};
  auto started = std::chrono::steady_clock::now();
  bool drained = false;
  self->request(caf::actor_cast<drainable_actor>(queue_), 5s, drain_atom::value)
      .receive([&](bool ok) { drained = ok; },
               [&](const caf::error& err) { FAIL() << caf::to_string(err); });
  EXPECT_TRUE(drained);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms)
      << "answered before the claim in flight finished";
  EXPECT_TRUE(replied("_INBOX.5")) << "the claim in flight was answered";
  request(subjects::queue_claim, {{"worker", "late"}}, "_INBOX.6");
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(rec_.on("_INBOX.6").empty()) << "no answers while draining";
}
