// GET /api/events?rooms=a,b: Server-Sent Events fed by the progress service.
//
// Each stream runs on its own HTTP thread (see thread_pool.hpp) and touches
// no actor state: the event hub pushes into the stream's bounded mailbox, the
// thread takes from it. Order of a stream's start, so that nothing is lost
// or sent twice: join the hub first (from then on every event lands in the
// mailbox), then either replay what the client missed (Last-Event-ID) or take
// a snapshot, and drop mailbox events the snapshot already reflects. A
// connection watch ends a stream as soon as its client hangs up.

#include "bus_client.hpp"
#include "events/connection_watch.hpp"
#include "events/event_hub.hpp"
#include "events/events.hpp"
#include "http/http_server.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"
#include "kumo/subjects.hpp"
#include "routes.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <httplib.h>

namespace kumo::gateway {

std::vector<option> events_options() {
  return {
      {"sse_replay", option_kind::integer, "4096",
       "events each gateway keeps for reconnecting clients", 1, 1'000'000},
      {"sse_keepalive", option_kind::duration, "15s",
       "keepalive comment after this much silence on a stream", 100, 600'000},
      {"sse_max_clients", option_kind::integer, "1000",
       "concurrent event streams per gateway (beyond: 503)", 0, 100'000},
      {"sse_client_backlog", option_kind::integer, "1024",
       "events queued per stream before a slow client is cut off", 1,
       1'000'000},
      {"sse_retry", option_kind::duration, "3s",
       "reconnect delay suggested to clients", 100, 600'000},
      {"sse_snapshot_timeout", option_kind::duration, "2s",
       "deadline of the progress snapshot sent as init", 50, 60'000},
  };
}

events_config events_config_from(const settings& cfg) {
  events_config out;
  auto ms = [&](const char* key, std::chrono::milliseconds& field) {
    if (cfg.has(key))
      field = std::chrono::milliseconds(cfg.millis(key));
  };
  auto count = [&](const char* key, size_t& field) {
    if (cfg.has(key))
      field = static_cast<size_t>(cfg.integer(key));
  };
  count("sse_replay", out.replay);
  ms("sse_keepalive", out.keepalive);
  count("sse_max_clients", out.max_clients);
  count("sse_client_backlog", out.backlog);
  ms("sse_retry", out.retry);
  ms("sse_snapshot_timeout", out.snapshot_timeout);
  return out;
}

namespace {

using steady = std::chrono::steady_clock;

/// Counts live streams against the cap; shared by the module and sessions.
struct stream_gauge {
  std::atomic<int64_t> live{0};
  prometheus::Gauge* clients = nullptr;
  prometheus::Counter* refused_capacity = nullptr;
  prometheus::Counter* refused_request = nullptr;

  bool admit(size_t cap) {
    if (live.fetch_add(1) >= static_cast<int64_t>(cap)) {
      live.fetch_sub(1);
      refused_capacity->Increment();
      return false;
    }
    clients->Increment();
    return true;
  }
  void release() {
    live.fetch_sub(1);
    clients->Decrement();
  }
};

/// One client's stream. Owned by the response's content provider, so it
/// ends (leaving the hub, freeing its slot) however the response ends.
class stream_session {
public:
  stream_session(std::shared_ptr<stream_gauge> gauge, event_hub_actor hub,
                 uint64_t id, std::shared_ptr<sse_mailbox> mailbox,
                 std::chrono::milliseconds keepalive)
      : gauge_(std::move(gauge)),
        hub_(std::move(hub)),
        id_(id),
        mailbox_(std::move(mailbox)),
        keepalive_(keepalive) {
    // nop
  }

  ~stream_session() {
    // Runs before the HTTP library closes the socket: the watch lets go of
    // it while it is still ours.
    if (watch_)
      watch_->remove(ticket_);
    if (sessions_)
      sessions_->streams.remove(session_ticket_);
    mailbox_->close();
    caf::anon_send(hub_, leave_atom::value, id_);
    gauge_->release();
  }

  /// Ends the stream when the client behind `fd` hangs up.
  void watch(std::shared_ptr<connection_watch> watch, int fd) {
    watch_ = std::move(watch);
    ticket_ = watch_->add(fd, [mailbox = mailbox_] { mailbox->close(); });
  }

  /// Ends the stream when the login session with token hash `hash` is
  /// revoked (at once through `sessions`) or found invalid at one of the
  /// checks every `revalidate` (sessions revoked where no broadcast
  /// reached, or expired).
  void bind_session(std::shared_ptr<stream_sessions> sessions, std::string hash,
                    std::chrono::milliseconds revalidate) {
    sessions_ = std::move(sessions);
    hash_ = std::move(hash);
    revalidate_ = revalidate;
    next_check_ = steady::now() + revalidate_;
    session_ticket_ = sessions_->streams.add(
        hash_, [mailbox = mailbox_] { mailbox->close(); });
  }

  void start(sse::stream_logic logic, std::string opening) {
    logic_.emplace(std::move(logic));
    opening_ = std::move(opening);
  }

  /// Writes what is due; false ends the stream (client gone, too slow,
  /// or the gateway stopping).
  bool pump(httplib::DataSink& sink) {
    if (!opening_.empty()) {
      if (!write(sink, opening_))
        return false;
      opening_.clear();
      opening_.shrink_to_fit();
    }
    auto wake = last_write_ + keepalive_;
    if (sessions_)
      wake = std::min(wake, next_check_);
    auto batch = mailbox_->take(wake);
    if (mailbox_->closed() || !session_still_valid())
      return false;
    auto out = logic_->on_events(batch);
    if (out.empty() && steady::now() >= last_write_ + keepalive_)
      out = sse::comment("keepalive");
    return out.empty() || write(sink, out);
  }

private:
  bool session_still_valid() {
    if (!sessions_ || steady::now() < next_check_)
      return true;
    next_check_ = steady::now() + revalidate_;
    return sessions_->still_valid(hash_);
  }

  bool write(httplib::DataSink& sink, const std::string& bytes) {
    last_write_ = steady::now();
    return sink.write(bytes.data(), bytes.size());
  }

  std::shared_ptr<stream_gauge> gauge_;
  event_hub_actor hub_;
  uint64_t id_;
  std::shared_ptr<sse_mailbox> mailbox_;
  std::chrono::milliseconds keepalive_;
  std::shared_ptr<connection_watch> watch_;
  uint64_t ticket_ = 0;
  std::shared_ptr<stream_sessions> sessions_;
  std::string hash_;
  uint64_t session_ticket_ = 0;
  std::chrono::milliseconds revalidate_{1000};
  steady::time_point next_check_;
  std::optional<sse::stream_logic> logic_;
  std::string opening_;
  steady::time_point last_write_ = steady::now();
};

class events_module : public route_module {
public:
  events_module(httplib::Server& server, service_context& ctx,
                std::shared_ptr<stream_sessions> sessions)
      : sessions_(std::move(sessions)),
        sys_(ctx.system),
        bus_(ctx.bus),
        cfg_(events_config_from(ctx.config)),
        gauge_(std::make_shared<stream_gauge>()),
        watch_(std::make_shared<connection_watch>()) {
    if (!watch_->ok())
      log::warn("cannot watch event stream connections; a closed stream "
                "is noticed at its next keepalive");
    hub_config hub_cfg;
    hub_cfg.replay = cfg_.replay;
    hub_cfg.subscribe_timeout =
        std::chrono::milliseconds(ctx.config.millis("request_timeout"));
    hub_ = spawn_event_hub(sys_, bus_, hub_cfg, ctx.metrics);
    register_metrics(ctx.metrics);
    server.Get("/api/events",
               [this](const httplib::Request& req, httplib::Response& res) {
                 handle(req, res);
               });
  }

  ~events_module() override {
    // Qualified: no virtual dispatch from a destructor.
    events_module::stop();
    caf::anon_send_exit(hub_, caf::exit_reason::user_shutdown);
  }

  void stop() override {
    if (stopping_.exchange(true))
      return;
    caf::scoped_actor self{sys_};
    self->request(hub_, std::chrono::seconds(5), close_atom::value)
        .receive([](bool) {},
                 [](const caf::error& err) {
                   log::warn("event hub did not close",
                             {{"error", caf::to_string(err)}});
                 });
    // A stream blocked writing to a client that stopped reading would hold
    // the drain up until the write timeout; cutting its socket ends it now.
    watch_->cut_all();
  }

private:
  void register_metrics(metrics& m) {
    auto& clients = prometheus::BuildGauge()
                        .Name("kumo_sse_clients")
                        .Help("Open event streams.")
                        .Register(m.registry());
    auto& refused = prometheus::BuildCounter()
                        .Name("kumo_sse_refused_total")
                        .Help("Event streams refused, by reason.")
                        .Register(m.registry());
    gauge_->clients = &clients.Add({});
    gauge_->refused_capacity = &refused.Add({{"reason", "capacity"}});
    gauge_->refused_request = &refused.Add({{"reason", "bad_request"}});
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    if (stopping_)
      return send_error(res, 503, "unavailable", "the gateway is stopping");
    auto rooms = sse::parse_rooms(req.get_param_value("rooms"));
    if (auto* why = std::get_if<std::string>(&rooms)) {
      gauge_->refused_request->Increment();
      return send_error(res, 400, "invalid_argument", *why);
    }
    if (!gauge_->admit(cfg_.max_clients)) {
      res.set_header("Retry-After", "5");
      return send_error(res, 503, "unavailable", "too many event streams");
    }
    auto mailbox = std::make_shared<sse_mailbox>(cfg_.backlog);
    auto id = next_id_++;
    // From here on the session gives the slot back, whatever happens.
    auto session = std::make_shared<stream_session>(gauge_, hub_, id, mailbox,
                                                    cfg_.keepalive);
    session->watch(watch_,
                   find_connection_socket(req.remote_addr, req.remote_port,
                                          req.local_port));
    if (auto hash = sessions_->session_of ? sessions_->session_of(req) : "";
        !hash.empty())
      session->bind_session(sessions_, std::move(hash), revalidate_every);
    auto last_id = req.get_header_value("Last-Event-ID");
    if (last_id.empty())
      last_id = req.get_param_value("last_event_id");
    hub_join join{id, std::get<std::set<std::string>>(rooms),
                  sse::parse_event_id(last_id), mailbox};
    auto resume_from = join.resume_from;
    std::vector<std::string> room_list(join.rooms.begin(), join.rooms.end());
    auto welcome = join_hub(std::move(join));
    if (!welcome)
      return send_error(res, 503, "unavailable", "event hub unavailable");
    sse::stream_logic logic{snapshot_fetcher(std::move(room_list)), cfg_.retry};
    auto opening = logic.open(resume_from, welcome->replay);
    session->start(std::move(logic), std::move(opening));
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream", [session](size_t, httplib::DataSink& sink) {
          return session->pump(sink);
        });
  }

  std::optional<hub_welcome> join_hub(hub_join join) {
    caf::scoped_actor self{sys_};
    std::optional<hub_welcome> out;
    self->request(hub_, std::chrono::seconds(2), join_atom::value,
                  std::move(join))
        .receive([&](hub_welcome& w) { out = std::move(w); },
                 [](const caf::error&) {
                   // nop: refused below
                 });
    return out;
  }

  /// Asks the progress service for a snapshot of `rooms`, from the
  /// stream's own thread, with a deadline.
  sse::stream_logic::snapshot_fn
  snapshot_fetcher(std::vector<std::string> rooms) {
    auto* sys = &sys_;
    auto bus = bus_;
    caf::timespan deadline{cfg_.snapshot_timeout};
    auto payload = encode(wire::progress_snapshot_request{std::move(rooms)});
    return [sys, bus, deadline, payload]() {
      caf::scoped_actor self{*sys};
      std::optional<wire::progress_snapshot> out;
      // No answer: init says progress_unavailable.
      if (auto reply =
              ask_blocking(self.ptr(), bus, subjects::progress_snapshot,
                           payload, deadline)) {
        auto snap = decode<wire::progress_snapshot>(*reply);
        if (snap && !snap->epoch.empty())
          out = *std::move(snap);
      }
      return out;
    };
  }

  /// How often a stream re-checks its login session.
  static constexpr std::chrono::milliseconds revalidate_every{1000};

  std::shared_ptr<stream_sessions> sessions_;
  caf::actor_system& sys_;
  bus_actor bus_;
  events_config cfg_;
  event_hub_actor hub_;
  std::shared_ptr<stream_gauge> gauge_;
  std::shared_ptr<connection_watch> watch_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_id_{1};
};

} // namespace

std::unique_ptr<route_module>
make_events_module(httplib::Server& server, service_context& ctx,
                   const bus_client&,
                   std::shared_ptr<stream_sessions> sessions) {
  return std::make_unique<events_module>(server, ctx, std::move(sessions));
}

} // namespace kumo::gateway
