#pragma once

// The storage limit at claim time: how many items a claim may start given
// the library's usage (storage_gate) and the bytes of the downloads under
// way. Claims serialize on a transaction-scoped advisory lock while a limit
// applies, so parallel claims see each other's reservations.

#include "storage_gate.hpp"

#include <pqxx/pqxx>

namespace kumo::queue::detail {

/// `slots`, or fewer (down to 0) when the storage limit holds items back.
/// `gate` may be null (no limit).
int storage_claim_slots(pqxx::work& w, const storage_gate* gate, int slots);

} // namespace kumo::queue::detail
