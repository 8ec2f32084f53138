#pragma once

// One blocking request from an HTTP handler thread to a store actor, bounded
// by a deadline. CAF's own errors (the request timed out) come back as
// errc::timeout; the store's errors as they are.

#include "kumo/errors.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <string>

namespace kumo::gateway {

template <class T, class Handle, class... Ts>
caf::expected<T> ask_store(caf::actor_system& sys, const Handle& store,
                           caf::timespan deadline, const char* what,
                           Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<T> out{make_error(errc::timeout, what)};
  self->request(store, deadline, std::forward<Ts>(xs)...)
      .receive([&](T& value) { out = std::move(value); },
               [&](caf::error& err) {
                 if (err.category() == error_category)
                   out = std::move(err);
                 else
                   out = make_error(errc::timeout, what);
               });
  return out;
}

} // namespace kumo::gateway
