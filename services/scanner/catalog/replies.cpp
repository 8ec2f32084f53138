#include "catalog/replies.hpp"

#include <caf/make_message.hpp>
#include <nlohmann/json.hpp>

namespace kumo::scanner {

caf::error field_error(errc code, std::string field, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), error_category,
                    caf::make_message(std::move(message), std::move(field))};
}

std::string error_body(errc code, const std::string& field,
                       const std::string& message) {
  nlohmann::json e{{"code", to_string(code)}, {"message", message}};
  e["field"] = field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field);
  return nlohmann::json{{"error", e}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_body(const caf::error& err) {
  auto code = code_of(err);
  if (code == errc::timeout || code == errc::no_responders)
    code = errc::unavailable;
  std::string message = message_of(err);
  std::string field;
  if (err.category() == error_category &&
      err.context().match_elements<std::string, std::string>()) {
    message = err.context().get_as<std::string>(0);
    field = err.context().get_as<std::string>(1);
  }
  if (message.empty())
    message = to_string(code);
  return error_body(code, field, message);
}

} // namespace kumo::scanner
