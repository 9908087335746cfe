// Lenient reads of JSON that comes from outside (an engine's answers, a
// plugin's evidence): a field missing, of another type, or a non-object where
// an object was expected reads as absent. These never throw a json exception,
// as json::value() and json::at() do, so a strange answer becomes a clear
// moat error at the caller instead of "[json.exception.type_error.306] ...".
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace moat::support {

// Member `key` of `j`, or null when `j` is not an object or lacks it.
inline const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json absent;
  if (!j.is_object()) return absent;
  auto it = j.find(key);
  return it != j.end() ? *it : absent;
}

// Member `key` as a string; "" when absent or not a string.
inline std::string string_at(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = member(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// Member `key` as an integer; `fallback` when absent or not an integer.
inline std::int64_t int_at(const nlohmann::json& j, const char* key, std::int64_t fallback = 0) {
  const nlohmann::json& v = member(j, key);
  return v.is_number_integer() ? v.get<std::int64_t>() : fallback;
}

inline bool bool_at(const nlohmann::json& j, const char* key, bool fallback) {
  const nlohmann::json& v = member(j, key);
  return v.is_boolean() ? v.get<bool>() : fallback;
}

}  // namespace moat::support
