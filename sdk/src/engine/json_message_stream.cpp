#include <moat/engine/json_message_stream.hpp>

#include <nlohmann/json.hpp>

namespace moat::engine {

namespace {

// A non-empty string member of `object`, or nothing: the engine's messages
// are read leniently (json::value() would throw for a non-string "message").
std::optional<std::string> text_member(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<std::string> find_stream_error(std::string_view body) {
  while (!body.empty()) {
    const auto end = body.find('\n');
    const std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    const auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object()) continue;
    if (const auto detail = message.find("errorDetail"); detail != message.end() && detail->is_object()) {
      if (auto text = text_member(*detail, "message")) return text;
    }
    // Older engines sent only the flat "error" field.
    if (auto text = text_member(message, "error")) return text;
  }
  return std::nullopt;
}

}  // namespace moat::engine
