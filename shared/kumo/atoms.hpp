#pragma once

// Atoms shared by more than one service. Service-local atoms live in the
// service's actors.hpp. An atom name has at most 10 characters.

#include <caf/atom.hpp>

namespace kumo {

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using request_atom = caf::atom_constant<caf::atom("request")>;
using gather_atom = caf::atom_constant<caf::atom("gather")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using inbox_atom = caf::atom_constant<caf::atom("inbox")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using get_atom = caf::atom_constant<caf::atom("get")>;

} // namespace kumo
