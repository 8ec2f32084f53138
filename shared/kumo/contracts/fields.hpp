#pragma once

// Building blocks of the request contracts: a parse result that is either a
// typed value or the first offending field with a sentence about it, and
// readers of JSON fields that apply the same rules everywhere.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kumo::contracts {

/// Why a request was refused: `field` is the JSON path of the offending
/// value ("episodes[3].source.url", "" for the whole body) and `message` a
/// sentence that names it, fit to show to a client.
struct field_error {
  std::string field;
  std::string message;
};

/// A typed value or the field_error that prevented it.
template <class T>
class parsed {
public:
  parsed(T value) : data_(std::move(value)) {
    // nop
  }
  parsed(field_error err) : data_(std::move(err)) {
    // nop
  }

  explicit operator bool() const {
    return std::holds_alternative<T>(data_);
  }
  const T& operator*() const& {
    return std::get<T>(data_);
  }
  T&& operator*() && {
    return std::get<T>(std::move(data_));
  }
  const T* operator->() const {
    return &std::get<T>(data_);
  }

  /// REQUIRES: !*this.
  const field_error& error() const {
    return std::get<field_error>(data_);
  }

private:
  std::variant<T, field_error> data_;
};

/// "where" + "." + "name", or "name" at the top level.
std::string join_path(const std::string& where, const std::string& name);

/// Parses a JSON object. An empty or blank body counts as {} when
/// `empty_is_object`; anything else that is not an object is refused.
parsed<nlohmann::json> parse_object(const std::string& body,
                                    bool empty_is_object);

/// Rules of a text field.
struct text_rule {
  bool required = true;   ///< absent or null refused (else: "")
  size_t max_bytes = 255; ///< longer refused
  bool allow_empty = false;
};

/// Reads a string field: type, length, no control characters (C0, DEL, C1).
parsed<std::string> read_text(const nlohmann::json& obj,
                              const std::string& where, const char* name,
                              text_rule rule);

/// Reads an integer field in [min, max]; `fallback` when absent or null and
/// not required. Booleans and fractions are not integers.
parsed<int64_t> read_int(const nlohmann::json& obj, const std::string& where,
                         const char* name, int64_t min, int64_t max,
                         std::optional<int64_t> fallback = std::nullopt);

/// A UUID value, lowercased.
parsed<std::string> read_uuid_value(const nlohmann::json& value,
                                    const std::string& path);

/// A 64-hex-digit SHA-256 (lowercased), "" when absent or null.
parsed<std::string> read_sha256(const nlohmann::json& obj,
                                const std::string& where);

/// Lowercases ASCII letters.
std::string ascii_lower(std::string text);

} // namespace kumo::contracts
