// The worker against a scripted queue: the bus is replaced by an actor that
// answers claims, heartbeats and reports like the queue would, and the jobs
// download from a local test origin into a temporary library.

#include "file_tag.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "test_origin.hpp"
#include "worker.hpp"

#include <caf/all.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <sstream>
#include <thread>

using namespace kumo;
using namespace kumo::downloader;
using namespace kumo::downloader::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// What the scripted queue saw and how it answers.
struct scripted_queue {
  std::mutex mutex;
  std::deque<wire::job> pending;
  std::vector<wire::claim_request> claims;
  std::vector<wire::heartbeat> heartbeats;
  std::vector<wire::report> reports;
  std::vector<std::pair<std::string, std::string>> published;
  std::map<std::string, std::string> lost; ///< job id -> status
  std::map<std::string, bus_listener> listeners;
  bool refuse_commit = false;
  int64_t lease_ms = 30'000;
  int next_token = 1;

  std::string answer(const std::string& subject, const std::string& payload) {
    std::lock_guard<std::mutex> guard{mutex};
    if (subject == subjects::queue_claim) {
      auto req = *decode<wire::claim_request>(payload);
      claims.push_back(req);
      wire::claim_reply reply;
      while (!pending.empty() &&
             static_cast<int>(reply.jobs.size()) < req.slots) {
        auto job = pending.front();
        pending.pop_front();
        job.lease_token = "token-" + std::to_string(next_token++);
        job.lease_ms = lease_ms;
        reply.jobs.push_back(job);
      }
      return encode(reply);
    }
    if (subject == subjects::queue_heartbeat) {
      auto hb = *decode<wire::heartbeat>(payload);
      heartbeats.push_back(hb);
      wire::heartbeat_reply reply;
      reply.lease_ms = lease_ms;
      for (const auto& s : hb.jobs)
        if (auto i = lost.find(s.id); i != lost.end())
          reply.lost.push_back({s.id, i->second});
      return encode(reply);
    }
    auto r = *decode<wire::report>(payload);
    reports.push_back(r);
    wire::report_reply reply;
    reply.ok = !(refuse_commit && r.outcome == "commit");
    return encode(reply);
  }

  std::vector<std::string> outcomes(const std::string& id) {
    std::lock_guard<std::mutex> guard{mutex};
    std::vector<std::string> out;
    for (const auto& r : reports)
      if (r.id == id)
        out.push_back(r.outcome);
    return out;
  }

  std::optional<wire::report> last_report(const std::string& id) {
    std::lock_guard<std::mutex> guard{mutex};
    for (auto i = reports.rbegin(); i != reports.rend(); ++i)
      if (i->id == id)
        return *i;
    return std::nullopt;
  }
};

bus_actor spawn_scripted_bus(caf::actor_system& sys,
                             const std::shared_ptr<scripted_queue>& q) {
  return sys.spawn([q](bus_actor::pointer) -> bus_actor::behavior_type {
    return {
        [=](publish_atom, const std::string& subject, const std::string& data) {
          std::lock_guard<std::mutex> guard{q->mutex};
          q->published.emplace_back(subject, data);
        },
        [=](request_atom, const std::string& subject, const std::string& data,
            caf::timespan) -> caf::result<std::string> {
          return q->answer(subject, data);
        },
        [=](gather_atom, const std::string&, const std::string&, caf::timespan,
            uint32_t) -> caf::result<std::vector<std::string>> {
          return std::vector<std::string>{};
        },
        [=](subscribe_atom, const std::string& subject, const std::string&,
            bus_listener listener) {
          std::lock_guard<std::mutex> guard{q->mutex};
          q->listeners[subject] = std::move(listener);
          return true;
        },
        [=](inbox_atom, uint64_t, std::string&, bool) {},
        [=](timeout_atom, uint64_t) {},
    };
  });
}

template <class Predicate>
bool eventually(Predicate pred, std::chrono::milliseconds timeout = 10s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

std::string make_content(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<char>((i * 7919) >> 3);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class worker_test : public ::testing::Test {
protected:
  void SetUp() override {
    log::init("downloader-test", log::level::warn);
    char pattern[] = "/tmp/kumo-worker-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    content_ = make_content(1'000'000);
    origin_ = std::make_unique<test_origin>([this](const origin_request& r) {
      auto res = static_file(r, content_, "\"v1\"");
      res.chunk = 50'000;
      res.chunk_delay = slow_ ? 100ms : 0ms;
      return res;
    });
    queue_ = std::make_shared<scripted_queue>();
  }

  void TearDown() override {
    if (worker_) {
      // As the service does on SIGTERM: drain, then stop.
      caf::scoped_actor self{*sys_};
      self->request(worker_, 10s, drain_atom::value)
          .receive([](bool) {}, [](caf::error&) {});
      caf::anon_send_exit(worker_, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(bus_, caf::exit_reason::user_shutdown);
      worker_ = nullptr;
      bus_ = nullptr;
    }
    {
      std::lock_guard<std::mutex> guard{queue_->mutex};
      queue_->listeners.clear();
    }
    sys_.reset(); // waits for every job thread
    fs::remove_all(root_);
  }

  void start(int jobs = 2) {
    // The system keeps a reference to its config: it must outlive it.
    cfg_ = std::make_unique<caf::actor_system_config>();
    cfg_->set("scheduler.max-threads", 2);
    sys_ = std::make_unique<caf::actor_system>(*cfg_);
    bus_ = spawn_scripted_bus(*sys_, queue_);
    auto bus = bus_;
    downloader_options opts;
    opts.library_root = root_;
    opts.jobs = jobs;
    opts.claim_interval = 200ms;
    // A claim whose reply comes later than this is given up and its jobs
    // are lost to this worker (the queue would re-offer them after the
    // lease; the scripted one does not): on a loaded machine with
    // sanitizers the first reply can take more than a second.
    opts.request_timeout = 5s;
    opts.shutdown_grace = 5s;
    opts.worker = "w1";
    job_env env;
    env.bus = bus;
    env.worker = "w1";
    env.library_root = root_;
    env.user_agent = "kumo-test";
    env.request_timeout = 1s;
    env.sync_interval = 50ms;
    env.policy =
        std::make_shared<address_policy>(*parse_cidr_list("127.0.0.1/32"));
    env.metrics = downloader_metrics::make(registry_);
    worker_ = spawn_worker(*sys_, opts, env);
  }

  wire::job add_job(const std::string& name) {
    wire::job j;
    j.id = "job-" + name;
    j.serie_id = "show";
    j.serie_folder = "Show";
    j.serie_name = "Show";
    j.season = 1;
    j.episode = static_cast<int>(name.size());
    j.src.provider = "direct";
    j.src.url = origin_->url("/" + name);
    j.src.size = static_cast<int64_t>(content_.size());
    j.target_path = "Show/Season 01/" + name;
    std::lock_guard<std::mutex> guard{queue_->mutex};
    queue_->pending.push_back(j);
    return j;
  }

  void send_control(const std::string& id, const std::string& action) {
    bus_listener target;
    {
      std::lock_guard<std::mutex> guard{queue_->mutex};
      target = queue_->listeners[subjects::job_control_all];
    }
    ASSERT_TRUE(target);
    caf::anon_send(target, bus_message{subjects::job_control(id), "",
                                       encode(wire::job_control{id, action})});
  }

  int64_t part_size(const std::string& name) {
    auto p = root_ + "/Show/Season 01/" + name + ".part";
    return fs::exists(p) ? static_cast<int64_t>(fs::file_size(p)) : -1;
  }

  bool has_progress(const std::string& id) {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    for (const auto& [subject, data] : queue_->published)
      if (data.find("download:" + id) != std::string::npos)
        return true;
    return false;
  }

  std::string root_;
  std::string content_;
  bool slow_ = false;
  std::unique_ptr<test_origin> origin_;
  std::shared_ptr<scripted_queue> queue_;
  prometheus::Registry registry_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  worker_actor worker_;
  bus_actor bus_;
};

} // namespace

TEST_F(worker_test, downloads_commits_renames_and_completes) {
  auto a = add_job("a.mkv");
  auto b = add_job("b.mkv");
  auto c = add_job("c.mkv");
  start(2);
  for (const auto& j : {a, b, c})
    ASSERT_TRUE(eventually([&] { return queue_->outcomes(j.id).size() == 2; }))
        << j.id << ": " << ::testing::PrintToString(queue_->outcomes(j.id));
  for (const auto& j : {a, b, c}) {
    EXPECT_EQ(queue_->outcomes(j.id),
              (std::vector<std::string>{"commit", "completed"}));
    EXPECT_EQ(slurp(root_ + "/" + j.target_path), content_);
    EXPECT_FALSE(fs::exists(root_ + "/" + j.target_path + ".part"));
    auto done = *queue_->last_report(j.id);
    EXPECT_EQ(done.bytes_done, 1'000'000);
    EXPECT_EQ(done.validator, "\"v1\"");
    EXPECT_EQ(done.worker, "w1");
    EXPECT_TRUE(has_progress(j.id));
  }
  std::lock_guard<std::mutex> guard{queue_->mutex};
  for (const auto& claim : queue_->claims) {
    EXPECT_GE(claim.slots, 1);
    EXPECT_LE(claim.slots, 2);
  }
}

TEST_F(worker_test, pause_saves_the_offset_and_reports_paused) {
  slow_ = true;
  auto a = add_job("a.mkv");
  start(1);
  ASSERT_TRUE(eventually([&] { return part_size("a.mkv") >= 200'000; }));
  send_control(a.id, "pause");
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  auto r = *queue_->last_report(a.id);
  EXPECT_EQ(r.outcome, "paused");
  EXPECT_GT(r.bytes_done, 0);
  EXPECT_EQ(r.validator, "\"v1\"");
  EXPECT_GE(part_size("a.mkv"), r.bytes_done);
  EXPECT_EQ(
      slurp(root_ + "/" + a.target_path + ".part").substr(0, r.bytes_done),
      content_.substr(0, r.bytes_done));
}

TEST_F(worker_test, cancel_deletes_the_partial_file) {
  slow_ = true;
  auto a = add_job("a.mkv");
  start(1);
  ASSERT_TRUE(eventually([&] { return part_size("a.mkv") >= 100'000; }));
  send_control(a.id, "cancel");
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  EXPECT_EQ(queue_->outcomes(a.id), std::vector<std::string>{"cancelled"});
  EXPECT_EQ(part_size("a.mkv"), -1);
  // The series folders the job created are gone with it.
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(worker_test, a_lost_lease_stops_writing_and_only_hands_over_the_offset) {
  slow_ = true;
  queue_->lease_ms = 3'000; // heartbeats every second
  auto a = add_job("a.mkv");
  auto b = add_job("b.mkv");
  start(2);
  ASSERT_TRUE(eventually([&] {
    return part_size("a.mkv") >= 100'000 && part_size("b.mkv") >= 100'000;
  }));
  {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    queue_->lost[a.id] = "cancelled";
    queue_->lost[b.id] = "pending";
  }
  ASSERT_TRUE(eventually([&] { return part_size("a.mkv") == -1; }));
  auto kept = part_size("b.mkv");
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(part_size("b.mkv"), kept); // stopped writing, file kept
  EXPECT_GT(kept, 0);
  // Cancelled: nothing to tell. Taken back: the offset on disk is offered
  // (the queue keeps it only while the token is still the latest lease).
  EXPECT_TRUE(queue_->outcomes(a.id).empty());
  EXPECT_EQ(queue_->outcomes(b.id), std::vector<std::string>{"released"});
  EXPECT_EQ(queue_->last_report(b.id)->bytes_done, kept);
}

TEST_F(worker_test, heartbeats_carry_durable_offsets) {
  slow_ = true;
  queue_->lease_ms = 3'000;
  auto a = add_job("a.mkv");
  start(1);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    for (const auto& hb : queue_->heartbeats)
      for (const auto& s : hb.jobs)
        if (s.id == a.id && s.bytes_done > 0)
          return s.lease_token == "token-1" && s.validator == "\"v1\"" &&
                 s.bytes_total == 1'000'000;
    return false;
  }));
}

TEST_F(worker_test, drain_releases_running_jobs_with_their_offsets) {
  slow_ = true;
  auto a = add_job("a.mkv");
  auto b = add_job("b.mkv");
  start(2);
  ASSERT_TRUE(eventually([&] {
    return part_size("a.mkv") >= 100'000 && part_size("b.mkv") >= 100'000;
  }));
  caf::scoped_actor self{*sys_};
  bool drained = false;
  self->request(worker_, 10s, drain_atom::value)
      .receive([&](bool ok) { drained = ok; }, [&](caf::error&) {});
  EXPECT_TRUE(drained);
  for (const auto& j : {a, b}) {
    auto r = queue_->last_report(j.id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->outcome, "released");
    EXPECT_GT(r->bytes_done, 0);
  }
  // No claims after the drain began.
  auto claims = [&] {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    return queue_->claims.size();
  };
  auto before = claims();
  add_job("c.mkv");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(claims(), before);
}

TEST_F(worker_test, a_refused_commit_leaves_the_partial_file_alone) {
  queue_->refuse_commit = true;
  auto a = add_job("a.mkv");
  start(1);
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(queue_->outcomes(a.id), std::vector<std::string>{"commit"});
  EXPECT_FALSE(fs::exists(root_ + "/" + a.target_path));
  EXPECT_EQ(part_size("a.mkv"), 1'000'000);
}

TEST_F(worker_test, an_unsafe_target_fails_permanently) {
  auto a = add_job("a.mkv");
  {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    queue_->pending.back().target_path = "../../etc/evil";
  }
  start(1);
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  auto r = *queue_->last_report(a.id);
  EXPECT_EQ(r.outcome, "failed");
  EXPECT_FALSE(r.transient);
  EXPECT_EQ(r.error, "invalid target path: target path contains '..'");
}

namespace {

/// Puts `data` at a job's final path, tagged as written by `owner`.
void place_final(const std::string& path, const std::string& data,
                 const std::string& owner, const std::string& validator) {
  fs::create_directories(fs::path{path}.parent_path());
  std::ofstream{path, std::ios::binary} << data;
  if (!owner.empty()) {
    ASSERT_EQ(write_tag(path, job_tag, owner), true);
  }
  if (!validator.empty()) {
    ASSERT_EQ(write_tag(path, validator_tag, validator), true);
  }
  ASSERT_EQ(write_tag(path, size_tag, std::to_string(data.size())), true);
}

} // namespace

TEST_F(worker_test, a_file_of_another_series_at_the_target_is_never_adopted) {
  // Two series rendered the same path; the other one's job completed first.
  // This job, retried with its whole file once recorded, finds a file of
  // the same size at its target: it must neither adopt nor replace it.
  auto a = add_job("a.mkv");
  {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    auto& j = queue_->pending.back();
    j.bytes_done = j.bytes_total = static_cast<int64_t>(content_.size());
    j.validator = "\"v1\"";
  }
  auto theirs = std::string(content_.size(), 'B');
  place_final(root_ + "/" + a.target_path, theirs, "job-other", "\"v1\"");
  start(1);
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  auto r = *queue_->last_report(a.id);
  EXPECT_EQ(queue_->outcomes(a.id), std::vector<std::string>{"failed"});
  EXPECT_FALSE(r.transient);
  EXPECT_EQ(r.error, "target exists and is not ours: " + a.target_path);
  EXPECT_EQ(slurp(root_ + "/" + a.target_path), theirs);
  EXPECT_TRUE(origin_->requests().empty());
}

TEST_F(worker_test, an_untagged_file_at_the_target_is_never_overwritten) {
  auto a = add_job("a.mkv"); // a fresh job: nothing recorded yet
  place_final(root_ + "/" + a.target_path, "somebody's file", "", "");
  start(1);
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  EXPECT_EQ(queue_->outcomes(a.id), std::vector<std::string>{"failed"});
  EXPECT_EQ(queue_->last_report(a.id)->error,
            "target exists and is not ours: " + a.target_path);
  EXPECT_EQ(slurp(root_ + "/" + a.target_path), "somebody's file");
}

TEST_F(worker_test, its_own_committed_file_is_adopted_without_downloading) {
  auto a = add_job("a.mkv");
  {
    std::lock_guard<std::mutex> guard{queue_->mutex};
    auto& j = queue_->pending.back();
    j.bytes_done = j.bytes_total = static_cast<int64_t>(content_.size());
    j.validator = "\"v1\"";
  }
  place_final(root_ + "/" + a.target_path, content_, a.id, "\"v1\"");
  start(1);
  ASSERT_TRUE(eventually([&] { return queue_->outcomes(a.id).size() == 2; }));
  EXPECT_EQ(queue_->outcomes(a.id),
            (std::vector<std::string>{"commit", "completed"}));
  EXPECT_EQ(slurp(root_ + "/" + a.target_path), content_);
  EXPECT_TRUE(origin_->requests().empty());
}

TEST_F(worker_test, a_permanent_failure_removes_the_folders_it_created) {
  fs::create_directories(root_ + "/Show");
  std::ofstream{root_ + "/Show/poster.jpg"} << "x";
  auto a = add_job("a.mkv");
  {
    // An address the policy refuses: a permanent failure.
    std::lock_guard<std::mutex> guard{queue_->mutex};
    auto& url = queue_->pending.back().src.url;
    url.replace(url.find("127.0.0.1"), 9, "127.0.0.2");
  }
  start(1);
  ASSERT_TRUE(eventually([&] { return !queue_->outcomes(a.id).empty(); }));
  auto r = *queue_->last_report(a.id);
  EXPECT_EQ(r.outcome, "failed");
  EXPECT_FALSE(r.transient);
  EXPECT_FALSE(fs::exists(root_ + "/Show/Season 01"));
  EXPECT_TRUE(fs::exists(root_ + "/Show/poster.jpg")); // not the job's
}
