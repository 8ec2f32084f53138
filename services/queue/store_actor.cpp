#include "actors.hpp"
#include "kumo/log.hpp"

#include <caf/all.hpp>

namespace kumo::queue {

namespace {

struct store_state {
  static inline const char* name = "kumo.queue.store";
  std::unique_ptr<queue_store> store;
};

store_actor::behavior_type
store_worker(store_actor::stateful_pointer<store_state> self,
             std::string database_url, store_options opts) {
  self->state.store =
      std::make_unique<queue_store>(std::move(database_url), std::move(opts));
  return {
      [=](execute_atom, const command& cmd,
          int64_t deadline) -> caf::result<outcome> {
        auto now = std::chrono::steady_clock::now().time_since_epoch();
        if (std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() >
            deadline)
          return make_error(errc::timeout,
                            "expired while waiting for the store");
        auto r = self->state.store->execute(cmd);
        if (!r && code_of(r.error()) == errc::internal)
          log::error("queue transaction failed",
                     {{"command", action_name(cmd)},
                      {"error", message_of(r.error())}});
        return r;
      },
  };
}

} // namespace

std::vector<store_actor> spawn_stores(caf::actor_system& sys,
                                      const std::string& database_url,
                                      const store_options& opts, size_t count) {
  std::vector<store_actor> out;
  for (size_t i = 0; i < count; ++i)
    out.push_back(sys.spawn<caf::detached>(store_worker, database_url, opts));
  return out;
}

} // namespace kumo::queue
