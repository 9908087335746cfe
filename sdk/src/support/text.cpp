#include <moat/support/text.hpp>

namespace moat::support {

namespace {
constexpr std::string_view kSpace = " \t\r\n";
}

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kSpace);
  return std::string(s.substr(begin, end - begin + 1));
}

std::string first_line(std::string_view text) { return trim(text.substr(0, text.find('\n'))); }

std::string last_line(std::string_view text) {
  const std::string t = trim(text);
  const auto nl = t.rfind('\n');
  return trim(nl == std::string::npos ? std::string_view(t) : std::string_view(t).substr(nl + 1));
}

}  // namespace moat::support
