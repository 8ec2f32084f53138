#include "kumo/result.hpp"

namespace kumo {

const char* to_string(errc x) {
  switch (x) {
  case errc::ok:
    return "ok";
  case errc::invalid_argument:
    return "invalid_argument";
  case errc::not_found:
    return "not_found";
  case errc::conflict:
    return "conflict";
  case errc::unavailable:
    return "unavailable";
  case errc::timeout:
    return "timeout";
  case errc::no_responders:
    return "no_responders";
  case errc::stale_lease:
    return "stale_lease";
  case errc::internal:
    return "internal";
  }
  return "internal";
}

} // namespace kumo
