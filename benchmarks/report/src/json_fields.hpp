// Strict field access for reading results files (internal): every error names
// the JSON path, so a hand-edited or truncated file gets one clear message.
#pragma once

#include <moat/error.hpp>

#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace moat::bench::detail {

[[noreturn]] inline void bad(const std::string& where, const std::string& what) {
  throw moat::Error(MOAT_E_INVALID, where + ": " + what);
}

inline void require_object(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
}

inline const nlohmann::json* find(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

inline const nlohmann::json& need(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json* v = find(j, key);
  if (v == nullptr) bad(where, std::string("missing \"") + key + "\"");
  return *v;
}

inline std::string need_string(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = need(j, key, where);
  if (!v.is_string()) bad(where + "." + key, "expected a string");
  return v.get<std::string>();
}

inline std::string opt_string(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json* v = find(j, key);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string()) bad(where + "." + key, "expected a string");
  return v->get<std::string>();
}

inline bool need_bool(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = need(j, key, where);
  if (!v.is_boolean()) bad(where + "." + key, "expected true or false");
  return v.get<bool>();
}

inline std::int64_t need_int(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = need(j, key, where);
  if (!v.is_number_integer()) bad(where + "." + key, "expected an integer");
  return v.get<std::int64_t>();
}

inline std::uint64_t opt_uint(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json* v = find(j, key);
  if (v == nullptr || v->is_null()) return 0;
  if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
    bad(where + "." + key, "expected a non-negative integer");
  }
  return v->get<std::uint64_t>();
}

inline const nlohmann::json& opt_object(const nlohmann::json& j, const char* key, const std::string& where) {
  static const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* v = find(j, key);
  if (v == nullptr || v->is_null()) return empty;
  if (!v->is_object()) bad(where + "." + key, "expected an object");
  return *v;
}

}  // namespace moat::bench::detail
