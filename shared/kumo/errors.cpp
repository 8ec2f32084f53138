#include "kumo/errors.hpp"

#include <caf/sec.hpp>
#include <caf/to_string.hpp>

namespace kumo {

caf::error to_error(const failure& why) {
  auto code = static_cast<uint8_t>(why.code);
  if (why.field.empty())
    return caf::error{code, error_category, caf::make_message(why.message)};
  return caf::error{code, error_category,
                    caf::make_message(why.message, why.field)};
}

failure failure_of(const caf::error& err) {
  if (err.category() != error_category)
    return {code_of(err), caf::to_string(err), {}};
  return {code_of(err), message_of(err), field_of(err)};
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
  if (err.category() != error_category)
    return {};
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>() ||
      ctx.match_elements<std::string, std::string>())
    return ctx.get_as<std::string>(0);
  return {};
}

std::string field_of(const caf::error& err) {
  if (err.category() == error_category &&
      err.context().match_elements<std::string, std::string>())
    return err.context().get_as<std::string>(1);
  return {};
}

} // namespace kumo
