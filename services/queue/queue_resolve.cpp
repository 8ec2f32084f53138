// The queue service's side of bare references ("S01E02" for a series with
// a provider): an add is checked with the scanner first, and a claimed one
// gets its sources from the scanner before the claim is answered.

#include "episode_resolve.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/subjects.hpp"
#include "queue_actor_state.hpp"

#include <algorithm>

namespace kumo::queue::service {

namespace {

/// Asks the scanner about the series of `key` (and one episode).
template <class OnAnswer>
void ask_scanner(pointer self, const std::string& key,
                 std::optional<std::pair<int, int>> ep, OnAnswer on_answer) {
  ask(
      self, self->state.bus, subjects::scanner_cmd("episode_sources"),
      dump(episode_sources_request(key, ep)),
      std::chrono::milliseconds(resolve_timeout_ms),
      [=](const std::string& answer) { on_answer(answer, std::string{}); },
      [=](const caf::error& err) {
        on_answer(std::string{}, std::string{to_string(code_of(err))});
      });
}

/// The claim reply waiting for the sources of its bare references.
struct pending_claim {
  wire::claim_reply reply;
  std::string reply_to;
  int waiting = 0;
};

void one_resolved(pointer self, const std::shared_ptr<pending_claim>& p) {
  if (--p->waiting == 0 && !p->reply_to.empty())
    publish(self, p->reply_to, dump(nlohmann::json(p->reply)));
}

/// Stores what the scanner said about claimed job `j`; a job with sources
/// joins the claim reply.
void resolve_job(pointer self, const std::shared_ptr<pending_claim>& p,
                 const wire::job& j) {
  auto rules = self->state.cfg.rules;
  ask_scanner(self, j.serie_id, std::make_pair(j.season, j.episode),
              [=](const std::string& answer, const std::string& bus_error) {
                auto cmd = read_resolution(answer, bus_error, j.season,
                                           j.episode, rules);
                cmd.id = j.id;
                cmd.lease_token = j.lease_token;
                run_on_store(
                    self, pick_store(self), command{std::move(cmd)},
                    [=](outcome& out) {
                      log_journal(out.fx.journal);
                      apply(self, out.fx, "resolve");
                      auto job = out.reply.find("job");
                      if (job != out.reply.end() && job->is_object())
                        p->reply.jobs.push_back(job->get<wire::job>());
                      one_resolved(self, p);
                    },
                    [=](const caf::error&) {
                      one_resolved(self, p); // its lease expires and it is
                                             // claimed again
                    });
              });
}

bool has_bare_references(const nlohmann::json& reply) {
  auto jobs = reply.find("jobs");
  return jobs != reply.end() && jobs->is_array() &&
         std::any_of(jobs->begin(), jobs->end(), [](const nlohmann::json& j) {
           return j.is_object() && j.value("src", nlohmann::json::object())
                                       .value("url", std::string{"-"})
                                       .empty();
         });
}

} // namespace

void check_then_add(pointer self, const add_command& add,
                    const std::string& reply_to) {
  auto key = add.serie_id;
  ask_scanner(self, key, std::nullopt,
              [=](const std::string& answer, const std::string& bus_error) {
                auto refusal = judge_series(add, answer, bus_error);
                if (!refusal) {
                  auto checked = add;
                  checked.series_provider = series_site(answer);
                  return submit(self, command{std::move(checked)}, reply_to);
                }
                if (!reply_to.empty())
                  publish(self, reply_to,
                          dump({{"error",
                                 {{"code", refusal->code},
                                  {"field", refusal->field},
                                  {"message", refusal->message}}}}));
              });
}

void answer_claim(pointer self, const nlohmann::json& reply,
                  const std::string& reply_to) {
  if (!has_bare_references(reply)) {
    if (!reply_to.empty())
      publish(self, reply_to, dump(reply));
    return;
  }
  auto claimed = reply.get<wire::claim_reply>();
  auto p = std::make_shared<pending_claim>();
  p->reply_to = reply_to;
  std::vector<wire::job> refs;
  for (auto& j : claimed.jobs)
    (j.src.url.empty() ? refs : p->reply.jobs).push_back(std::move(j));
  p->waiting = static_cast<int>(refs.size());
  for (const auto& j : refs)
    resolve_job(self, p, j);
}

} // namespace kumo::queue::service
