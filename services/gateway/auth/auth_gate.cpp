#include "auth/auth_gate.hpp"

#include "auth/tokens.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"

#include <prometheus/counter.h>

namespace kumo::gateway {

namespace {

using steady = std::chrono::steady_clock;

constexpr size_t cache_capacity = 10'000;

/// How long the store's word that a named key exists is trusted: the cache
/// itself re-asks after `cache_ttl`, and revocation drops the entry at once.
constexpr std::chrono::hours named_key_confirmation{1};

} // namespace

auth_gate::auth_gate(auth_client client, key_client keys, auth_options opts,
                     auth_counters counters)
    : client_(std::move(client)),
      keys_(std::move(keys)),
      opts_(std::move(opts)),
      counters_(counters),
      cache_(opts_.cache_ttl, cache_capacity),
      limiter_(opts_.limits) {
  // nop
}

void auth_gate::count(prometheus::Counter* c) const {
  if (c)
    c->Increment();
}

std::string auth_gate::session_token(const credentials& creds) {
  return creds.bearer.empty() ? creds.cookie : creds.bearer;
}

auth_verdict auth_gate::check(const credentials& creds) {
  if (!creds.api_key.empty()) {
    if (!opts_.api_key.empty() &&
        constant_time_equal(creds.api_key, opts_.api_key))
      return auth_verdict::allowed;
    return looks_like_api_key(creds.api_key) ? check_key(creds.api_key)
                                             : auth_verdict::denied;
  }
  if (!opts_.api_key.empty() && !creds.bearer.empty() &&
      constant_time_equal(creds.bearer, opts_.api_key))
    return auth_verdict::allowed;
  if (looks_like_api_key(creds.bearer))
    return check_key(creds.bearer);
  auto token = session_token(creds);
  if (token.empty())
    return auth_verdict::denied;
  return check_session(token);
}

auth_verdict auth_gate::check_session(const std::string& token) {
  if (!looks_like_session_token(token))
    return auth_verdict::denied;
  return check_hash(token_hash(token));
}

auth_verdict auth_gate::check_key(const std::string& key) {
  auto hash = token_hash(key);
  auto verdict = check_hash(hash);
  if (verdict == auth_verdict::allowed && touches_.due(hash, steady::now()))
    keys_.touch(hash);
  return verdict;
}

caf::expected<std::chrono::milliseconds>
auth_gate::lookup(const std::string& hash) const {
  auto left = client_.check_session(hash);
  if (!left || left->count() > 0)
    return left;
  auto exists = keys_.exists(hash);
  if (!exists)
    return exists.error();
  return *exists ? std::chrono::milliseconds{named_key_confirmation}
                 : std::chrono::milliseconds{0};
}

auth_verdict auth_gate::check_hash(const std::string& hash) {
  {
    std::lock_guard<std::mutex> guard{cache_mtx_};
    if (cache_.valid(hash, steady::now()))
      return auth_verdict::allowed;
  }
  auto left = lookup(hash);
  if (!left) {
    count(counters_.store_errors);
    log::warn("cannot verify session", {{"error", message_of(left.error())}});
    return auth_verdict::unavailable;
  }
  if (left->count() <= 0)
    return auth_verdict::denied;
  std::lock_guard<std::mutex> guard{cache_mtx_};
  cache_.remember(hash, *left, steady::now());
  return auth_verdict::allowed;
}

std::string auth_gate::session_hash(const credentials& creds) const {
  if (!creds.api_key.empty())
    return looks_like_api_key(creds.api_key) ? token_hash(creds.api_key)
                                             : std::string{};
  auto token = session_token(creds);
  if (!opts_.api_key.empty() && constant_time_equal(token, opts_.api_key))
    return {};
  return looks_like_session_token(token) || looks_like_api_key(token)
             ? token_hash(token)
             : std::string{};
}

bool auth_gate::is_named_key(const credentials& creds) {
  return looks_like_api_key(creds.api_key) || looks_like_api_key(creds.bearer);
}

caf::expected<std::string> auth_gate::revoke_key(int64_t id) {
  auto hash = keys_.revoke(id);
  if (!hash) {
    count(counters_.store_errors);
    return hash;
  }
  if (!hash->empty()) {
    forget(*hash);
    touches_.forget(*hash);
  }
  return hash;
}

bool auth_gate::session_valid(const std::string& hash) {
  return check_hash(hash) != auth_verdict::denied;
}

void auth_gate::forget(const std::string& hash) {
  std::lock_guard<std::mutex> guard{cache_mtx_};
  cache_.forget(hash, steady::now());
}

caf::expected<bool> auth_gate::configured() const {
  return client_.configured();
}

auth_gate::setup_result auth_gate::setup(const std::string& password) {
  if (auto problem = password_problem(password))
    return {setup_outcome::bad_password, *problem};
  auto exists = client_.configured();
  if (!exists)
    return {setup_outcome::failed, message_of(exists.error())};
  if (*exists)
    return {setup_outcome::exists, {}};
  std::string hash;
  {
    std::lock_guard<std::mutex> guard{login_mtx_};
    hash = hash_password(password, opts_.hashing);
  }
  if (hash.empty())
    return {setup_outcome::failed, "cannot hash the password"};
  auto created = client_.setup(hash);
  if (!created)
    return {setup_outcome::failed, message_of(created.error())};
  if (!*created)
    return {setup_outcome::exists, {}};
  log::info("master account created");
  return {setup_outcome::created, {}};
}

auth_gate::login_result auth_gate::login(const std::string& client,
                                         const std::string& password) {
  login_result out{login_outcome::failed, {}, {}, {}, {}};
  {
    std::lock_guard<std::mutex> guard{login_mtx_};
    auto wait = limiter_.retry_after(client, steady::now());
    if (wait.count() > 0) {
      count(counters_.login_locked);
      out.outcome = login_outcome::locked;
      out.retry_after = wait;
      return out;
    }
    auto stored = client_.credential();
    if (!stored) {
      count(counters_.store_errors);
      out.detail = message_of(stored.error());
      return out;
    }
    if (stored->empty()) {
      out.outcome = login_outcome::not_configured;
      return out;
    }
    if (!verify_password(password, *stored)) {
      limiter_.record_failure(client, steady::now());
      count(counters_.login_failed);
      log::warn("login failed", {{"client", client}});
      out.outcome = login_outcome::wrong_password;
      return out;
    }
    limiter_.reset(client);
  }
  auto token = new_session_token();
  if (token.empty()) {
    out.detail = "no randomness for a session token";
    return out;
  }
  auto hash = token_hash(token);
  auto expires = client_.open_session(hash, opts_.session_ttl);
  if (!expires) {
    count(counters_.store_errors);
    out.detail = message_of(expires.error());
    return out;
  }
  {
    std::lock_guard<std::mutex> guard{cache_mtx_};
    cache_.remember(hash, opts_.session_ttl, steady::now());
  }
  count(counters_.login_ok);
  log::info("login", {{"client", client}});
  out.outcome = login_outcome::ok;
  out.token = std::move(token);
  out.expires_at = std::move(*expires);
  return out;
}

caf::expected<bool> auth_gate::logout(const credentials& creds) {
  auto token = session_token(creds);
  if (token.empty() || !looks_like_session_token(token))
    return false;
  auto hash = token_hash(token);
  {
    std::lock_guard<std::mutex> guard{cache_mtx_};
    cache_.forget(hash, steady::now());
  }
  auto revoked = client_.revoke(hash);
  if (!revoked)
    count(counters_.store_errors);
  return revoked;
}

} // namespace kumo::gateway
