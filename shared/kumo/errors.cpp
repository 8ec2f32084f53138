#include "kumo/errors.hpp"

#include <caf/sec.hpp>

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

errc code_of(const caf::error& err) {
  if (err.category() != error_category)
    return err.category() == caf::atom("system") &&
                   err.code() == static_cast<uint8_t>(caf::sec::request_timeout)
               ? errc::timeout
               : errc::internal;
  return static_cast<errc>(err.code());
}

std::string message_of(const caf::error& err) {
  if (err.category() == error_category &&
      err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return {};
}

} // namespace kumo
