// The feeds actor: provider listings merged into the catalog (refresh),
// missing episodes sent to the queue (download), and the monitor's rounds
// over monitored series. Detached: it blocks on the provider's network
// requests and on PostgreSQL; the queue is asked asynchronously.

#include "actors.hpp"
#include "catalog/replies.hpp"
#include "direct/direct_provider.hpp"
#include "feeds/feed_store.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "rss/rss_provider.hpp"
#include "scanner_metrics.hpp"

#include <caf/all.hpp>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

constexpr caf::timespan queue_timeout = std::chrono::seconds(10);
constexpr int series_per_round = 20;
constexpr int series_per_task = 100'000; ///< "check now": every series
/// A decided automatic add never confirmed for this long is sent again.
constexpr std::chrono::seconds resend_after{600};

struct feeds_state {
  static inline const char* name = "kumo.scanner.feeds";
  feeds_settings cfg;
  std::unique_ptr<feed_store> store;
  std::shared_ptr<const providers::fetcher> fetch;
};

using pointer = caf::stateful_actor<feeds_state>*;

void answer(pointer self, const std::string& reply_to, std::string body) {
  if (!reply_to.empty())
    self->send(self->state.cfg.bus, publish_atom::value, reply_to,
               std::move(body));
}

std::unique_ptr<providers::provider> provider_for(pointer self,
                                                  const std::string& site) {
  if (site == "rss")
    return std::make_unique<providers::rss::rss_provider>(self->state.fetch);
  if (site == "direct")
    return std::make_unique<providers::direct::direct_provider>(
        self->state.fetch->policy());
  return nullptr;
}

/// The catalog gauges, from one query over the whole catalog.
void update_totals(pointer self) {
  if (!self->state.cfg.metrics)
    return;
  if (auto totals = self->state.store->totals())
    self->state.cfg.metrics->set_episodes(*totals);
}

/// Lists the series at its provider and merges the listing; with `decide`,
/// also picks the fresh episodes to queue automatically. With `gauges`, the
/// catalog gauges follow at once (a monitor round updates them once at its
/// end instead: the totals query reads the whole catalog).
caf::expected<json> refresh(pointer self, const series_ref& s, bool decide,
                            picked_episodes& picked, bool gauges = true) {
  auto p = provider_for(self, s.site);
  if (!p || s.link.empty())
    return field_error(errc::invalid_argument, "site",
                       "series '" + s.key +
                           "' has no provider: set site "
                           "(rss or direct) and link");
  auto info = p->series_info(s.link);
  if (!info) {
    const auto& why = info.error();
    self->state.store->record_error(s.id, why.message);
    auto code = why.code == errc::invalid_argument ? errc::invalid_argument
                                                   : errc::unavailable;
    return field_error(code, "link", why.message);
  }
  auto listing = number_episodes(*info);
  auto merged =
      self->state.store->merge(s, listing, decide, picked, resend_after);
  if (!merged)
    return merged;
  (*merged)["key"] = s.key;
  if (gauges)
    update_totals(self);
  return merged;
}

json numbers(const json& list) {
  auto out = json::array();
  for (const auto& e : list)
    if (e.is_object())
      out.push_back({{"season", e.value("season", 0)},
                     {"episode", e.value("episode", 0)}});
  return out;
}

/// Sends the picked episodes to the queue; calls done(reply or error).
template <class Done>
void queue_add(pointer self, const series_ref& s, const picked_episodes& picked,
               Done done) {
  auto body = queue_add_body({s.key, s.folder, s.name}, picked.episodes);
  ask(
      self, self->state.cfg.bus, subjects::queue_cmd("add"), body.dump(),
      queue_timeout,
      [done](std::string& reply) {
        auto doc = json::parse(reply, nullptr, false);
        if (!doc.is_object())
          return done(caf::expected<json>(
              make_error(errc::internal, "the queue answered no JSON object")));
        if (doc.contains("error")) {
          const auto& e = doc["error"];
          auto code = e.value("code", std::string("internal"));
          errc c = code == "invalid_argument" ? errc::invalid_argument
                   : code == "conflict"       ? errc::conflict
                                              : errc::unavailable;
          return done(caf::expected<json>(
              field_error(c, "",
                          "the queue refused the episodes: " +
                              e.value("message", std::string("no reason")))));
        }
        done(caf::expected<json>(std::move(doc)));
      },
      [done](const caf::error& err) {
        done(caf::expected<json>(make_error(
            errc::unavailable,
            "the queue did not take the episodes: " + message_of(err))));
      });
}

void on_download(pointer self, const scanner_request& req,
                 const std::string& reply_to) {
  auto s = self->state.store->series(req.key);
  if (!s)
    return answer(self, reply_to, error_body(s.error()));
  auto picked = self->state.store->pick_for_download(*s, req.episodes);
  if (!picked)
    return answer(self, reply_to, error_body(picked.error()));
  json out{{"key", s->key},
           {"queued", json::array()},
           {"already_active", json::array()},
           {"not_queued", picked->not_queued}};
  if (picked->ids.empty())
    return answer(self, reply_to, out.dump());
  auto ids = picked->ids;
  queue_add(self, *s, *picked, [=](caf::expected<json> reply) {
    if (!reply) {
      self->state.store->revert(ids, false);
      return answer(self, reply_to, error_body(reply.error()));
    }
    auto done = out;
    for (const auto& item : (*reply)["items"])
      done["queued"].push_back({{"season", item.value("season", 0)},
                                {"episode", item.value("episode", 0)},
                                {"id", item.value("id", std::string())}});
    done["already_active"] = numbers((*reply)["skipped"]);
    answer(self, reply_to, done.dump());
  });
}

/// Tells the rest of the stack (notifications) which new episodes of `key`
/// the monitor queued: kumo.events.series.new_episodes.
void announce_new_episodes(pointer self, const std::string& key,
                           const json& reply) {
  auto episodes = json::array();
  for (const auto& item : reply["items"])
    episodes.push_back({{"season", item.value("season", 0)},
                        {"episode", item.value("episode", 0)}});
  if (episodes.empty())
    return;
  self->send(self->state.cfg.bus, publish_atom::value,
             std::string(subjects::series_new_episodes),
             json{{"key", key}, {"episodes", episodes}}.dump());
}

/// One monitored series: list, merge, decide, then queue what was decided.
/// False when the provider's listing failed.
bool check_series(pointer self, const series_ref& s) {
  picked_episodes picked;
  auto merged = refresh(self, s, true, picked, false);
  if (!merged) {
    log::warn("provider check failed",
              {{"key", s.key}, {"error", message_of(merged.error())}});
    return false;
  }
  if (picked.ids.empty())
    return true;
  auto ids = picked.ids;
  auto key = s.key;
  queue_add(self, s, picked, [self, ids, key](caf::expected<json> reply) {
    if (!reply) {
      log::warn("new episodes not queued; next round tries again",
                {{"key", key}, {"error", message_of(reply.error())}});
      return self->state.store->revert(ids, true);
    }
    self->state.store->confirm(ids);
    announce_new_episodes(self, key, *reply);
    log::info("new episodes queued",
              {{"key", key},
               {"queued", (*reply)["items"].size()},
               {"already_active", (*reply)["skipped"].size()}});
  });
  return true;
}

/// One round over the monitored series that are due (`all`: over every
/// monitored series with a provider); the counts of checked and failed
/// series, or the failure to claim them.
caf::expected<json> monitor_round(pointer self, bool all) {
  auto interval = std::chrono::duration_cast<std::chrono::seconds>(
      self->state.cfg.monitor_interval);
  auto due = self->state.store->claim_due(
      interval, all ? series_per_task : series_per_round, all);
  if (!due) {
    log::warn("monitor round failed", json{{"error", message_of(due.error())}});
    return due.error();
  }
  int failed = 0;
  for (const auto& s : *due)
    failed += check_series(self, s) ? 0 : 1;
  if (!due->empty())
    update_totals(self);
  return json{{"checked", due->size()}, {"failed", failed}};
}

caf::behavior feeds(pointer self, feeds_settings cfg) {
  auto& st = self->state;
  st.store = std::make_unique<feed_store>(cfg.database_url);
  providers::fetch_limits limits;
  limits.timeout = cfg.feed_timeout;
  st.fetch = std::make_shared<const providers::fetcher>(
      cfg.policy, limits, "kumo-scanner/" KUMO_VERSION);
  st.cfg = std::move(cfg);
  return {
      [=](refresh_atom, const std::string& key, const std::string& reply_to) {
        auto s = self->state.store->series(key);
        picked_episodes unused;
        auto merged = s ? refresh(self, *s, false, unused)
                        : caf::expected<json>(s.error());
        if (!merged && reply_to.empty())
          log::warn("provider listing failed",
                    {{"key", key}, {"error", message_of(merged.error())}});
        answer(self, reply_to,
               merged ? merged->dump(-1, ' ', false,
                                     json::error_handler_t::replace)
                      : error_body(merged.error()));
      },
      [=](download_atom, const scanner_request& req,
          const std::string& reply_to) { on_download(self, req, reply_to); },
      [=](monitor_atom, const std::string& task, const caf::actor& done_to) {
        auto counts = monitor_round(self, true);
        self->send(done_to, task_done_atom::value, task,
                   std::string(counts ? "complete" : "failed"),
                   counts ? counts->dump() : std::string("{}"),
                   counts ? std::string() : message_of(counts.error()));
      },
      [=](monitor_atom) {
        monitor_round(self, false);
        auto period = std::min<caf::timespan>(self->state.cfg.monitor_interval,
                                              std::chrono::seconds(30));
        self->delayed_send(self, period, monitor_atom::value);
      },
  };
}

} // namespace

caf::actor spawn_feeds(caf::actor_system& sys, feeds_settings cfg) {
  return sys.spawn<caf::detached>(feeds, std::move(cfg));
}

} // namespace kumo::scanner
