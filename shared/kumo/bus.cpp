#include "kumo/bus.hpp"

#include "kumo/errors.hpp"
#include "kumo/health.hpp"
#include "kumo/log.hpp"
#include "kumo/metrics.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <nats/nats.h>
#include <unordered_map>

namespace kumo {

namespace {

using connection_ptr =
    std::unique_ptr<natsConnection, decltype(&natsConnection_Destroy)>;
using options_ptr =
    std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)>;
using subscription_ptr =
    std::unique_ptr<natsSubscription, decltype(&natsSubscription_Destroy)>;
using message_ptr = std::unique_ptr<natsMsg, decltype(&natsMsg_Destroy)>;

/// What nats.c hands back to our callbacks. Never touches actor state.
struct listener_closure {
  bus_listener target;
  prometheus::Counter* received;
};

struct inbox_closure {
  caf::actor_addr bus;
  size_t prefix_length; ///< length of "<inbox>." before the request id
};

struct status_closure {
  readiness* ready;
  prometheus::Counter* disconnects;
  /// Set by the closed callback, the last one nats.c makes for a
  /// connection: until then its callbacks may still run and use this.
  std::mutex mutex;
  std::condition_variable changed;
  bool closed = false;
  /// Set before we close the connection ourselves.
  std::atomic<bool> closing{false};
  /// Set when nats.c gave the connection up after the login was refused.
  std::atomic<bool> login_refused{false};
  std::string user;
};

struct bus_counters {
  prometheus::Counter* published;
  prometheus::Counter* received;
  prometheus::Counter* disconnects;
  prometheus::Counter* requests_ok;
  prometheus::Counter* requests_timeout;
  prometheus::Counter* requests_no_responders;
};

void on_message(natsConnection*, natsSubscription*, natsMsg* raw, void* arg) {
  message_ptr msg{raw, natsMsg_Destroy};
  auto* closure = static_cast<listener_closure*>(arg);
  closure->received->Increment();
  const char* reply = natsMsg_GetReply(raw);
  bus_message out{natsMsg_GetSubject(raw), reply ? reply : "",
                  std::string(natsMsg_GetData(raw),
                              static_cast<size_t>(natsMsg_GetDataLength(raw)))};
  caf::anon_send(closure->target, std::move(out));
}

void on_inbox(natsConnection*, natsSubscription*, natsMsg* raw, void* arg) {
  message_ptr msg{raw, natsMsg_Destroy};
  auto* closure = static_cast<inbox_closure*>(arg);
  std::string subject = natsMsg_GetSubject(raw);
  if (subject.size() <= closure->prefix_length)
    return;
  uint64_t id = 0;
  try {
    id = std::stoull(subject.substr(closure->prefix_length));
  } catch (const std::exception&) {
    return;
  }
  bool no_responders = natsMsg_IsNoResponders(raw);
  std::string payload(natsMsg_GetData(raw),
                      static_cast<size_t>(natsMsg_GetDataLength(raw)));
  if (auto bus = caf::actor_cast<bus_actor>(closure->bus))
    caf::anon_send(bus, inbox_atom::value, id, std::move(payload),
                   no_responders);
}

void on_connected(natsConnection*, void* arg) {
  auto* closure = static_cast<status_closure*>(arg);
  closure->ready->nats = true;
  log::info("nats connected");
}

void on_disconnected(natsConnection*, void* arg) {
  auto* closure = static_cast<status_closure*>(arg);
  if (closure->ready->nats.exchange(false) && !closure->ready->draining) {
    closure->disconnects->Increment();
    log::warn("nats disconnected; reconnecting");
  }
}

void on_closed(natsConnection* conn, void* arg) {
  auto* closure = static_cast<status_closure*>(arg);
  closure->ready->nats = false;
  if (!closure->closing) {
    // With unlimited reconnects nats.c gives a connection up only when the
    // servers refused the login (it drops a server from its pool after two
    // authorization errors in a row), so this is the one report of it.
    closure->login_refused = true;
    const char* text = nullptr;
    natsConnection_GetLastError(conn, &text);
    log::error("nats authorization failed; not connected until restarted "
               "with valid nats_user / nats_password",
               {{"user", closure->user}, {"error", text ? text : ""}});
  }
  std::lock_guard<std::mutex> guard{closure->mutex};
  closure->closed = true;
  closure->changed.notify_all();
}

/// Asynchronous errors: the server refused a publish or a subscription
/// (permissions violation), or a listener falls behind (slow consumer).
void on_error(natsConnection* conn, natsSubscription*, natsStatus status,
              void* arg) {
  auto* closure = static_cast<status_closure*>(arg);
  const char* text = nullptr;
  natsConnection_GetLastError(conn, &text);
  nlohmann::json f{{"user", closure->user},
                   {"error", text ? text : natsStatus_GetText(status)}};
  if (status == NATS_NOT_PERMITTED)
    log::error("nats permissions violation", f);
  else
    log::warn("nats error", f);
}

struct bus_state {
  static inline const char* name = "kumo.bus";

  connection_ptr connection{nullptr, natsConnection_Destroy};
  options_ptr options{nullptr, natsOptions_Destroy};
  std::vector<subscription_ptr> subscriptions;
  std::vector<std::unique_ptr<listener_closure>> listeners;
  std::unique_ptr<inbox_closure> inbox_target;
  std::unique_ptr<status_closure> status;
  std::string inbox_prefix;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, caf::typed_response_promise<std::string>>
      requests;
  struct gathering {
    caf::typed_response_promise<std::vector<std::string>> promise;
    std::vector<std::string> replies;
    size_t expected = 0; ///< answer early once this many arrived; 0: never
  };
  std::unordered_map<uint64_t, gathering> gathers;
  bus_counters counters{};

  ~bus_state() {
    for (auto& sub : subscriptions)
      natsSubscription_Unsubscribe(sub.get());
    if (connection) {
      if (status)
        status->closing = true;
      natsConnection_FlushTimeout(connection.get(), 1000);
      natsConnection_Close(connection.get());
      // The disconnected/closed callbacks run on a nats.c thread after
      // Close returns; `status` must outlive them.
      if (status) {
        std::unique_lock<std::mutex> guard{status->mutex};
        status->changed.wait_for(guard, std::chrono::seconds(2),
                                 [this] { return status->closed; });
      }
    }
    subscriptions.clear();
    connection.reset();
  }
};

using bus_pointer = bus_actor::stateful_pointer<bus_state>;

bus_counters make_counters(metrics& m) {
  auto& reg = m.registry();
  auto& msgs = prometheus::BuildCounter()
                   .Name("kumo_bus_messages_total")
                   .Help("NATS messages by direction.")
                   .Register(reg);
  auto& disc = prometheus::BuildCounter()
                   .Name("kumo_bus_disconnects_total")
                   .Help("Times the NATS connection was lost.")
                   .Register(reg);
  auto& reqs = prometheus::BuildCounter()
                   .Name("kumo_bus_requests_total")
                   .Help("Requests made over NATS by outcome.")
                   .Register(reg);
  return {&msgs.Add({{"direction", "out"}}),
          &msgs.Add({{"direction", "in"}}),
          &disc.Add({}),
          &reqs.Add({{"outcome", "ok"}}),
          &reqs.Add({{"outcome", "timeout"}}),
          &reqs.Add({{"outcome", "no_responders"}})};
}

bool connect(bus_pointer self, const bus_options& opts, readiness& ready) {
  auto& st = self->state;
  natsOptions* raw_opts = nullptr;
  if (natsOptions_Create(&raw_opts) != NATS_OK)
    return false;
  st.options.reset(raw_opts);
  st.status = std::make_unique<status_closure>();
  st.status->ready = &ready;
  st.status->disconnects = st.counters.disconnects;
  st.status->user = opts.user;
  natsOptions_SetServers(raw_opts, nullptr, 0);
  if (!opts.user.empty())
    natsOptions_SetUserInfo(raw_opts, opts.user.c_str(), opts.password.c_str());
  natsOptions_SetErrorHandler(raw_opts, on_error, st.status.get());
  natsOptions_SetURL(raw_opts, opts.url.c_str());
  natsOptions_SetName(raw_opts, opts.name.c_str());
  natsOptions_SetMaxReconnect(raw_opts, -1);
  natsOptions_SetReconnectWait(raw_opts, 250);
  natsOptions_SetPingInterval(raw_opts, 2000);
  natsOptions_SetMaxPingsOut(raw_opts, 2);
  natsOptions_SetRetryOnFailedConnect(raw_opts, true, on_connected,
                                      st.status.get());
  natsOptions_SetDisconnectedCB(raw_opts, on_disconnected, st.status.get());
  natsOptions_SetReconnectedCB(raw_opts, on_connected, st.status.get());
  natsOptions_SetClosedCB(raw_opts, on_closed, st.status.get());
  natsConnection* conn = nullptr;
  auto s = natsConnection_Connect(&conn, raw_opts);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    log::error("nats connect failed", {{"url", log::redact_url(opts.url)},
                                       {"error", natsStatus_GetText(s)}});
    return false;
  }
  st.connection.reset(conn);
  if (s == NATS_OK)
    on_connected(conn, st.status.get());
  else if (!st.status->login_refused)
    log::warn("nats not reachable yet; retrying in the background",
              {{"url", log::redact_url(opts.url)}});
  natsInbox* inbox = nullptr;
  natsInbox_Create(&inbox);
  // natsInbox_Create gives "_INBOX.<unique>"; keep the unique part.
  std::string unique{inbox + std::strlen("_INBOX.")};
  natsInbox_Destroy(inbox);
  st.inbox_prefix = inbox_root(opts.user) + "." + unique + ".";
  st.inbox_target = std::make_unique<inbox_closure>(inbox_closure{
      caf::actor_cast<caf::actor_addr>(self), st.inbox_prefix.size()});
  natsSubscription* sub = nullptr;
  auto wildcard = st.inbox_prefix + "*";
  natsConnection_Subscribe(&sub, conn, wildcard.c_str(), on_inbox,
                           st.inbox_target.get());
  if (sub)
    st.subscriptions.emplace_back(sub, natsSubscription_Destroy);
  return true;
}

/// Publishes `payload` with our inbox as reply subject; returns the id.
uint64_t send_request(bus_pointer self, const std::string& subject,
                      const std::string& payload, caf::timespan deadline) {
  auto& st = self->state;
  auto id = st.next_id++;
  auto reply = st.inbox_prefix + std::to_string(id);
  natsConnection_PublishRequest(st.connection.get(), subject.c_str(),
                                reply.c_str(), payload.data(),
                                static_cast<int>(payload.size()));
  st.counters.published->Increment();
  self->delayed_send(self, deadline, timeout_atom::value, id);
  return id;
}

} // namespace

std::string inbox_root(const std::string& user) {
  return user.empty() ? "_INBOX" : "_INBOX." + user;
}

bus_actor spawn_bus(caf::actor_system& sys, const bus_options& opts,
                    readiness& ready, metrics& m) {
  auto counters = make_counters(m);
  auto init = [opts, &ready,
               counters](bus_pointer self) -> bus_actor::behavior_type {
    self->state.counters = counters;
    if (!connect(self, opts, ready))
      self->quit(
          make_error(errc::unavailable, "cannot create NATS connection"));
    return {
        [=](publish_atom, const std::string& subject, const std::string& data) {
          natsConnection_Publish(self->state.connection.get(), subject.c_str(),
                                 data.data(), static_cast<int>(data.size()));
          self->state.counters.published->Increment();
        },
        [=](request_atom, const std::string& subject, const std::string& data,
            caf::timespan deadline) -> caf::result<std::string> {
          auto promise = self->make_response_promise<std::string>();
          auto id = send_request(self, subject, data, deadline);
          self->state.requests.emplace(id, promise);
          return promise;
        },
        [=](gather_atom, const std::string& subject, const std::string& data,
            caf::timespan window,
            uint32_t expected) -> caf::result<std::vector<std::string>> {
          auto promise =
              self->make_response_promise<std::vector<std::string>>();
          auto id = send_request(self, subject, data, window);
          self->state.gathers.emplace(
              id, bus_state::gathering{promise, {}, expected});
          return promise;
        },
        [=](subscribe_atom, const std::string& subject,
            const std::string& group,
            bus_listener target) -> caf::result<bool> {
          auto& st = self->state;
          // The refused login was reported once and keeps readiness off;
          // subscribers wait with the process instead of failing too.
          if (st.status && st.status->login_refused)
            return true;
          st.listeners.push_back(std::make_unique<listener_closure>(
              listener_closure{std::move(target), st.counters.received}));
          natsSubscription* sub = nullptr;
          auto status =
              group.empty()
                  ? natsConnection_Subscribe(&sub, st.connection.get(),
                                             subject.c_str(), on_message,
                                             st.listeners.back().get())
                  : natsConnection_QueueSubscribe(
                        &sub, st.connection.get(), subject.c_str(),
                        group.c_str(), on_message, st.listeners.back().get());
          if (status != NATS_OK)
            return make_error(errc::unavailable,
                              std::string{"nats subscribe failed: "} +
                                  natsStatus_GetText(status));
          // Slow listeners must not make nats.c drop messages silently early.
          natsSubscription_SetPendingLimits(sub, 1'000'000, 1 << 30);
          st.subscriptions.emplace_back(sub, natsSubscription_Destroy);
          return true;
        },
        [=](inbox_atom, uint64_t id, std::string& payload, bool no_responders) {
          auto& st = self->state;
          if (auto i = st.requests.find(id); i != st.requests.end()) {
            if (no_responders) {
              st.counters.requests_no_responders->Increment();
              i->second.deliver(
                  make_error(errc::no_responders, "no responders"));
            } else {
              st.counters.requests_ok->Increment();
              i->second.deliver(std::move(payload));
            }
            st.requests.erase(i);
          } else if (auto g = st.gathers.find(id); g != st.gathers.end()) {
            if (no_responders) {
              g->second.promise.deliver(std::move(g->second.replies));
              st.gathers.erase(g);
            } else {
              g->second.replies.push_back(std::move(payload));
              if (g->second.expected > 0 &&
                  g->second.replies.size() >= g->second.expected) {
                g->second.promise.deliver(std::move(g->second.replies));
                st.gathers.erase(g);
              }
            }
          }
        },
        [=](timeout_atom, uint64_t id) {
          auto& st = self->state;
          if (auto i = st.requests.find(id); i != st.requests.end()) {
            st.counters.requests_timeout->Increment();
            i->second.deliver(make_error(errc::timeout, "request timed out"));
            st.requests.erase(i);
          } else if (auto g = st.gathers.find(id); g != st.gathers.end()) {
            g->second.promise.deliver(std::move(g->second.replies));
            st.gathers.erase(g);
          }
        },
    };
  };
  return sys.spawn(init);
}

} // namespace kumo
