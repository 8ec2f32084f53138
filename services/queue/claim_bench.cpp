// Measures claim throughput against a scratch database:
//   kumo_queue_claim_bench store <items> <threads> <slots>
//       threads claim through their own queue_store (connection) each
//   kumo_queue_claim_bench nats <items> <threads> <slots>
//       threads send kumo.queue.claim requests to a running queue service
// Reads KUMO_BENCH_DATABASE_URL (and KUMO_BENCH_NATS_URL for nats). The
// queue tables of that database are emptied first.
// KUMO_BENCH_HEARTBEATS=<n> (default 0): after each claim that
// got jobs, the thread sends n heartbeats for those jobs, as a worker does
// while they run. A second output line gives claim and heartbeat latency
// percentiles and the most connections to the database seen while the
// threads ran (pg_stat_activity, sampled every 50 ms, the sampler's own
// connection and background workers not counted).

#include "kumo/migration.hpp"
#include "store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nats/nats.h>
#include <string>
#include <thread>
#include <vector>

namespace kumo::queue {
std::vector<migration> migrations();
}

using namespace kumo;
using namespace kumo::queue;
using clock_type = std::chrono::steady_clock;

namespace {

struct totals {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> jobs{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> heartbeats{0};
  std::mutex lock; ///< guards the two latency lists
  std::vector<double> claim_ms;
  std::vector<double> beat_ms;
};

double elapsed_ms(clock_type::time_point since) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - since)
      .count();
}

/// The value below which `share` of `v` lies; 0 for none. Sorts `v`.
double percentile(std::vector<double>& v, double share) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(share * static_cast<double>(v.size() - 1));
  return v[i];
}

/// Sends `beats` heartbeats for the jobs of one claim reply. False on error.
bool beat(queue_store& store, const std::string& worker,
          const nlohmann::json& jobs, int beats, totals& t,
          std::vector<double>& ms) {
  wire::heartbeat hb{worker, {}};
  for (const auto& j : jobs)
    hb.jobs.push_back(
        {j.value("id", ""), j.value("lease_token", ""), 0, -1, 0, ""});
  for (int b = 0; b < beats; ++b) {
    auto start = clock_type::now();
    auto r = store.execute(command{hb});
    if (!r) {
      std::fprintf(stderr, "heartbeat: %s\n", message_of(r.error()).c_str());
      ++t.errors;
      return false;
    }
    ms.push_back(elapsed_ms(start));
    ++t.heartbeats;
  }
  return true;
}

bool prepare(const std::string& url, int items) {
  pg_session db{url};
  if (!apply_migrations(db, "queue", kumo::queue::migrations()))
    return false;
  auto reset = db.transact([](pqxx::work& w) {
    w.exec("TRUNCATE queue_items, queue_events, queue_discards");
    w.exec("UPDATE queue_state SET running = true, paused = false");
    return true;
  });
  if (!reset)
    return false;
  queue_store store{url, {}};
  auto paths = *path_template::parse(path_template::default_text);
  for (int first = 0; first < items; first += 1000) {
    add_command add{"bench-" + std::to_string(first),
                    "Bench",
                    "Bench",
                    priority::normal,
                    {}};
    for (int e = first; e < std::min(items, first + 1000); ++e) {
      wire::source src{
          "direct", "http://127.0.0.1:1/" + std::to_string(e) + ".mkv", "", -1};
      auto path = paths.render(
          {"Bench " + std::to_string(first), "Bench", "bench", 1, e, "mkv"});
      add.episodes.push_back({1, e, src, {src}, *path});
    }
    if (!store.execute(command{add}))
      return false;
  }
  return true;
}

void claim_store(const std::string& url, int id, int slots, int beats,
                 totals& t) {
  queue_store store{url, {}};
  auto worker = "bench-" + std::to_string(id);
  std::vector<double> claim_ms;
  std::vector<double> beat_ms;
  for (;;) {
    auto start = clock_type::now();
    auto r = store.execute(command{wire::claim_request{worker, slots}});
    if (!r) {
      std::fprintf(stderr, "claim: %s\n", message_of(r.error()).c_str());
      ++t.errors;
      break;
    }
    claim_ms.push_back(elapsed_ms(start));
    auto n = static_cast<int64_t>(r->reply["jobs"].size());
    ++t.requests;
    t.jobs += n;
    if (n == 0 || !beat(store, worker, r->reply["jobs"], beats, t, beat_ms))
      break;
  }
  std::lock_guard<std::mutex> g{t.lock};
  t.claim_ms.insert(t.claim_ms.end(), claim_ms.begin(), claim_ms.end());
  t.beat_ms.insert(t.beat_ms.end(), beat_ms.begin(), beat_ms.end());
}

/// Samples the number of connections to the bench database until `stop`.
void sample_connections(const std::string& url, const std::atomic<bool>& stop,
                        std::atomic<int64_t>& most) {
  pg_session db{url};
  while (!stop) {
    auto n = db.transact([](pqxx::work& w) {
      return w
          .exec1("SELECT count(*) - 1 FROM pg_stat_activity "
                 "WHERE datname = current_database() "
                 "AND backend_type = 'client backend'")[0]
          .as<int64_t>();
    });
    if (n && *n > most)
      most = *n;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// One NATS request; the reply's JSON when it is an object holding `key`.
nlohmann::json ask_json(natsConnection* conn, const char* subject,
                        const std::string& body, const char* key) {
  natsMsg* reply = nullptr;
  if (auto s = natsConnection_RequestString(&reply, conn, subject, body.c_str(),
                                            5000);
      s != NATS_OK) {
    std::fprintf(stderr, "request: %s\n", natsStatus_GetText(s));
    return nullptr;
  }
  auto doc = nlohmann::json::parse(
      std::string(natsMsg_GetData(reply), natsMsg_GetDataLength(reply)),
      nullptr, false);
  natsMsg_Destroy(reply);
  if (doc.is_object() && doc.contains(key))
    return doc;
  std::fprintf(stderr, "reply: %s\n", doc.dump().c_str());
  return nullptr;
}

/// Claims until the queue is empty, with `beats` heartbeats per claim.
void claim_loop(natsConnection* conn, int id, int slots, int beats, totals& t,
                std::vector<double>& claim_ms, std::vector<double>& beat_ms) {
  auto worker = "bench-" + std::to_string(id);
  auto body = nlohmann::json{{"worker", worker}, {"slots", slots}}.dump();
  for (;;) {
    auto start = clock_type::now();
    auto doc = ask_json(conn, "kumo.queue.claim", body, "jobs");
    if (doc.is_null()) {
      ++t.errors;
      return;
    }
    claim_ms.push_back(elapsed_ms(start));
    auto n = static_cast<int64_t>(doc["jobs"].size());
    ++t.requests;
    t.jobs += n;
    if (n == 0)
      return;
    nlohmann::json hb{{"worker", worker}, {"jobs", nlohmann::json::array()}};
    for (const auto& j : doc["jobs"])
      hb["jobs"].push_back(
          {{"id", j["id"]}, {"lease_token", j["lease_token"]}});
    for (int b = 0; b < beats; ++b) {
      start = clock_type::now();
      if (ask_json(conn, "kumo.queue.heartbeat", hb.dump(), "lease_ms")
              .is_null()) {
        ++t.errors;
        return;
      }
      beat_ms.push_back(elapsed_ms(start));
      ++t.heartbeats;
    }
  }
}

void claim_nats(const std::string& url, int id, int slots, int beats,
                totals& t) {
  natsConnection* conn = nullptr;
  if (auto s = natsConnection_ConnectTo(&conn, url.c_str()); s != NATS_OK) {
    std::fprintf(stderr, "connect: %s\n", natsStatus_GetText(s));
    ++t.errors;
    return;
  }
  std::vector<double> claim_ms;
  std::vector<double> beat_ms;
  claim_loop(conn, id, slots, beats, t, claim_ms, beat_ms);
  natsConnection_Destroy(conn);
  std::lock_guard<std::mutex> g{t.lock};
  t.claim_ms.insert(t.claim_ms.end(), claim_ms.begin(), claim_ms.end());
  t.beat_ms.insert(t.beat_ms.end(), beat_ms.begin(), beat_ms.end());
}

} // namespace

int main(int argc, char** argv) {
  const char* db = std::getenv("KUMO_BENCH_DATABASE_URL");
  if (argc != 5 || !db) {
    std::fprintf(stderr,
                 "usage: KUMO_BENCH_DATABASE_URL=... %s store|nats <items> "
                 "<threads> <slots>\n",
                 argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  int items = std::atoi(argv[2]);
  int threads = std::atoi(argv[3]);
  int slots = std::atoi(argv[4]);
  const char* nats_url = std::getenv("KUMO_BENCH_NATS_URL");
  if (mode == "nats" && !nats_url) {
    std::fprintf(stderr, "KUMO_BENCH_NATS_URL is not set\n");
    return 2;
  }
  if (!prepare(db, items)) {
    std::fprintf(stderr, "cannot prepare the database\n");
    return 1;
  }
  const char* beats_env = std::getenv("KUMO_BENCH_HEARTBEATS");
  int beats = beats_env ? std::atoi(beats_env) : 0;
  totals t;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> most_connections{0};
  std::thread sampler{[&] { sample_connections(db, stop, most_connections); }};
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      if (mode == "nats")
        claim_nats(nats_url, i, slots, beats, t);
      else
        claim_store(db, i, slots, beats, t);
    });
  for (auto& th : pool)
    th.join();
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  stop = true;
  sampler.join();
  std::printf(
      "mode=%s items=%d threads=%d slots=%d: %lld jobs in %.2fs = %.0f jobs/s, "
      "%.0f claim requests/s, errors=%lld\n",
      mode.c_str(), items, threads, slots,
      static_cast<long long>(t.jobs.load()), secs,
      static_cast<double>(t.jobs.load()) / secs,
      static_cast<double>(t.requests.load()) / secs,
      static_cast<long long>(t.errors.load()));
  std::printf("heartbeats=%d per claim: %lld heartbeats = %.0f/s; claim "
              "p50 %.2f ms p99 %.2f ms; heartbeat p50 %.2f ms p99 %.2f ms; "
              "database connections (most seen) %lld\n",
              beats, static_cast<long long>(t.heartbeats.load()),
              static_cast<double>(t.heartbeats.load()) / secs,
              percentile(t.claim_ms, 0.5), percentile(t.claim_ms, 0.99),
              percentile(t.beat_ms, 0.5), percentile(t.beat_ms, 0.99),
              static_cast<long long>(most_connections.load()));
  nats_Close();
  return t.jobs == items && t.errors == 0 ? 0 : 1;
}
