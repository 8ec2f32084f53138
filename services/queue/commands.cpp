#include "commands.hpp"

#include "kumo/contracts/fields.hpp"

namespace kumo::queue {

namespace {

using json = nlohmann::json;

/// Lifts a contract's parse into a command, or its field's message.
template <class T, class Make>
result<command> lift(contracts::parsed<T> parsed, Make make) {
  if (!parsed)
    return invalid(parsed.error().message, parsed.error().field);
  return command{make(*std::move(parsed))};
}

result<command> make_add(const contracts::add_request& req,
                         const path_template& paths) {
  add_command add;
  add.serie_id = req.serie_id;
  add.serie_folder = req.serie_folder;
  add.serie_name = req.serie_name;
  add.prio = static_cast<priority>(req.priority);
  for (size_t i = 0; i < req.episodes.size(); ++i) {
    const auto& ep = req.episodes[i];
    add_episode out;
    out.season = ep.season;
    out.episode = ep.episode;
    out.src = {ep.source.provider, ep.source.url, ep.source.sha256,
               ep.source.size};
    for (const auto& src : ep.sources)
      out.sources.push_back({src.provider, src.url, src.sha256, src.size});
    auto path =
        paths.render({add.serie_folder, add.serie_name, add.serie_id, ep.season,
                      ep.episode, extension_from_url(ep.source.url)});
    if (!path)
      return invalid("episodes[" + std::to_string(i) +
                     "] target path: " + path.error().message);
    out.target_path = std::move(*path);
    add.episodes.push_back(std::move(out));
  }
  return command{std::move(add)};
}

std::optional<queue_switch> switch_of(const std::string& op) {
  if (op == "start")
    return queue_switch::start;
  if (op == "stop")
    return queue_switch::stop;
  if (op == "pause")
    return queue_switch::pause;
  if (op == "resume")
    return queue_switch::resume;
  return std::nullopt;
}

std::optional<item_action> item_action_of(const std::string& op) {
  if (op == "pause_item")
    return item_action::pause;
  if (op == "resume_item")
    return item_action::resume;
  if (op == "cancel_item")
    return item_action::cancel;
  return std::nullopt;
}

/// Commands that name one item.
std::optional<result<command>> parse_item_command(const std::string& op,
                                                  const json& obj) {
  auto item = [&](auto make) { return lift(contracts::parse_item(obj), make); };
  if (op == "get")
    return item([](auto r) { return get_command{r.id}; });
  if (op == "remove")
    return item([](auto r) { return remove_command{r.id}; });
  if (auto action = item_action_of(op))
    return item([a = *action](auto r) { return item_command{a, r.id}; });
  if (op == "set_priority")
    return lift(contracts::parse_priority_request(obj), [](auto r) {
      return priority_command{r.id, static_cast<priority>(r.priority)};
    });
  return std::nullopt;
}

struct provider_op_name {
  const char* name;
  provider_op op;
  bool takes_name;
};

const provider_op_name provider_ops[] = {
    {"provider_health", provider_op::health, false},
    {"provider_health_get", provider_op::health_get, true},
    {"provider_available", provider_op::available, false},
    {"provider_best", provider_op::best, false},
    {"provider_health_reset", provider_op::health_reset, true},
    {"provider_config", provider_op::config, false},
    {"provider_config_get", provider_op::config_get, true},
    {"provider_config_set", provider_op::config_set, true},
    {"provider_enable", provider_op::enable, true},
    {"provider_disable", provider_op::disable, true},
    {"provider_failover", provider_op::failover, false},
    {"provider_failover_add", provider_op::failover_add, true},
    {"provider_failover_remove", provider_op::failover_remove, true},
};

/// cmd.provider_*: the op and, where it takes one, the provider's name (and
/// for provider_config_set the change), checked with the contracts.
std::optional<result<command>> parse_provider_command(const std::string& op,
                                                      const json& obj) {
  for (const auto& entry : provider_ops) {
    if (op != entry.name)
      continue;
    if (entry.op == provider_op::config_set)
      return lift(contracts::parse_provider_update(obj), [](auto u) {
        auto name = u.name;
        return provider_command{provider_op::config_set, std::move(name),
                                std::move(u)};
      });
    if (!entry.takes_name)
      return command{provider_command{entry.op, "", {}}};
    return lift(contracts::parse_provider_name(obj), [&](auto r) {
      return provider_command{entry.op, std::move(r.name), {}};
    });
  }
  return std::nullopt;
}

std::string clip(const std::string& text, size_t limit) {
  if (text.size() <= limit)
    return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

} // namespace

std::string action_name(const command& cmd) {
  struct visitor {
    std::string operator()(const add_command&) const {
      return "add";
    }
    std::string operator()(const status_command&) const {
      return "status";
    }
    std::string operator()(const get_command&) const {
      return "get";
    }
    std::string operator()(const remove_command&) const {
      return "remove";
    }
    std::string operator()(const switch_command& c) const {
      switch (c.action) {
      case queue_switch::start:
        return "start";
      case queue_switch::stop:
        return "stop";
      case queue_switch::pause:
        return "pause";
      case queue_switch::resume:
        return "resume";
      }
      return "start";
    }
    std::string operator()(const item_command& c) const {
      switch (c.action) {
      case item_action::pause:
        return "pause_item";
      case item_action::resume:
        return "resume_item";
      case item_action::cancel:
        return "cancel_item";
      }
      return "pause_item";
    }
    std::string operator()(const priority_command&) const {
      return "set_priority";
    }
    std::string operator()(const retry_command&) const {
      return "retry";
    }
    std::string operator()(const clear_command&) const {
      return "clear_completed";
    }
    std::string operator()(const wire::claim_request&) const {
      return "claim";
    }
    std::string operator()(const wire::heartbeat&) const {
      return "heartbeat";
    }
    std::string operator()(const wire::report& r) const {
      return "report_" + r.outcome;
    }
    std::string operator()(const reap_command&) const {
      return "reap";
    }
    std::string operator()(const snapshot_command&) const {
      return "snapshot";
    }
    std::string operator()(const discard_done_command&) const {
      return "discarded";
    }
    std::string operator()(const purge_command&) const {
      return "purge";
    }
    std::string operator()(const resolve_command&) const {
      return "resolve";
    }
    std::string operator()(const provider_command& c) const {
      for (const auto& entry : provider_ops)
        if (entry.op == c.op)
          return entry.name;
      return "provider";
    }
  };
  return std::visit(visitor{}, cmd);
}
result<command> parse_queue_command(const std::string& op,
                                    const std::string& payload,
                                    const path_template& paths,
                                    const contracts::request_rules& rules) {
  auto doc = contracts::parse_object(payload, true);
  if (!doc)
    return invalid(doc.error().message, doc.error().field);
  const auto& obj = *doc;
  if (op == "add") {
    auto req = contracts::parse_add(obj, rules);
    if (!req)
      return invalid(req.error().message, req.error().field);
    return make_add(*req, paths);
  }
  if (op == "status")
    return lift(contracts::parse_status(obj),
                [](auto page) { return status_command{std::move(page)}; });
  if (auto parsed = parse_item_command(op, obj))
    return std::move(*parsed);
  if (auto action = switch_of(op))
    return command{switch_command{*action}};
  if (op == "retry")
    return lift(contracts::parse_retry(obj), [](auto r) {
      return retry_command{std::move(r.ids), r.all};
    });
  if (op == "clear_completed")
    return command{clear_command{}};
  if (op == "purge") {
    auto purge = parse_purge(obj);
    if (!purge)
      return purge.error();
    return command{*purge};
  }
  if (auto parsed = parse_provider_command(op, obj))
    return std::move(*parsed);
  return invalid("unknown queue command '" + clip(op, 64) + "'");
}

} // namespace kumo::queue
