#include "service_answers.hpp"

namespace kumo::gateway {

namespace {

using json = nlohmann::json;

json error_body(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

} // namespace

http_answer answer_from_refusal(const checked_request& refused) {
  auto body = error_body("invalid_argument", refused.error);
  body["error"]["field"] = refused.field;
  return {400, std::move(body)};
}

int status_for_error_code(const std::string& code) {
  if (code == "invalid_argument")
    return 400;
  if (code == "not_found")
    return 404;
  if (code == "conflict")
    return 409;
  if (code == "unavailable" || code == "timeout" || code == "no_responders")
    return 503;
  return 500;
}

http_answer answer_from_reply(const std::string& reply, int success_status,
                              const std::string& service) {
  auto doc = json::parse(reply, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return {502, error_body("bad_gateway", "the " + service +
                                               " service sent a malformed "
                                               "reply")};
  auto err = doc.find("error");
  if (err == doc.end() || !err->is_object())
    return {success_status, std::move(doc)};
  auto text = [&](const char* key, const std::string& fallback) {
    auto i = err->find(key);
    return i != err->end() && i->is_string() ? i->get<std::string>() : fallback;
  };
  auto code = text("code", "internal");
  auto body = error_body(code, text("message", ""));
  if (auto field = err->find("field");
      field != err->end() && field->is_string())
    body["error"]["field"] = *field;
  return {status_for_error_code(code), std::move(body)};
}

http_answer answer_from_bus_failure(const std::string& code,
                                    const std::string& service) {
  std::string message;
  if (code == "no_responders")
    message = "the " + service + " service is not running (no responders)";
  else if (code == "timeout")
    message = "the " + service + " service did not answer in time";
  else
    message = "the " + service +
              " service cannot be reached (message bus unavailable)";
  return {503, error_body("unavailable", message)};
}

} // namespace kumo::gateway
