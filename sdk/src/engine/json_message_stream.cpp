#include <moat/engine/json_message_stream.hpp>

#include <nlohmann/json.hpp>

namespace moat::engine {

std::optional<std::string> find_stream_error(std::string_view body) {
  while (!body.empty()) {
    const auto end = body.find('\n');
    const std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    const auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object()) continue;
    if (const auto detail = message.find("errorDetail"); detail != message.end() && detail->is_object()) {
      if (auto text = detail->value("message", std::string()); !text.empty()) return text;
    }
    // Older engines sent only the flat "error" field.
    if (const auto error = message.find("error"); error != message.end() && error->is_string()) {
      if (auto text = error->get<std::string>(); !text.empty()) return text;
    }
  }
  return std::nullopt;
}

}  // namespace moat::engine
