#include "create_flags.hpp"

#include "../usage_error.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <vector>

namespace moat::cli::commands {
namespace {

// A whole number in [0, max], all of `text`; nullopt otherwise.
std::optional<std::uint64_t> whole_number(const std::string& text, std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > max) return std::nullopt;
  return value;
}

std::uint16_t port_number(const std::string& text, const std::string& what, const std::string& whole,
                          const std::string& help_for) {
  auto port = whole_number(text, 65535);
  if (!port || *port == 0)
    throw UsageError("--publish '" + whole + "': " + what + " '" + text + "' is not a port (1-65535)", help_for);
  return static_cast<std::uint16_t>(*port);
}

}  // namespace

std::int64_t parse_memory_size(const std::string& text, const std::string& option, const std::string& help_for) {
  static const std::regex form(R"(([0-9]+(\.[0-9]+)?) ?([bBkKmMgGtT])?[iI]?[bB]?)");
  std::smatch m;
  if (!std::regex_match(text, m, form))
    throw UsageError(option + " '" + text + "': give a size such as 512m, 1.5g or 268435456 (bytes)", help_for);
  int shift = 0;
  if (m[3].matched) {
    switch (std::tolower(static_cast<unsigned char>(m[3].str().front()))) {
      case 'k':
        shift = 10;
        break;
      case 'm':
        shift = 20;
        break;
      case 'g':
        shift = 30;
        break;
      case 't':
        shift = 40;
        break;
      default:
        break;
    }
  }
  const double bytes = std::stod(m[1].str()) * std::ldexp(1.0, shift);
  if (bytes >= static_cast<double>(std::numeric_limits<std::int64_t>::max()))
    throw UsageError(option + " '" + text + "': too large", help_for);
  return static_cast<std::int64_t>(bytes);
}

double parse_cpus(const std::string& text, const std::string& help_for) {
  static const std::regex form(R"([0-9]+(\.[0-9]+)?|\.[0-9]+)");
  if (!std::regex_match(text, form))
    throw UsageError("--cpus '" + text + "': give a number of CPUs such as 1 or 1.5", help_for);
  return std::stod(text);
}

std::int64_t parse_count(const std::string& text, const std::string& option, const std::string& help_for) {
  auto n = whole_number(text, std::numeric_limits<std::int64_t>::max());
  if (!n) throw UsageError(option + " '" + text + "': give a whole number", help_for);
  return static_cast<std::int64_t>(*n);
}

PortMapping parse_publish(const std::string& text, const std::string& help_for) {
  PortMapping p;
  std::string rest = text;
  if (auto slash = rest.rfind('/'); slash != std::string::npos) {
    p.protocol = rest.substr(slash + 1);
    rest.erase(slash);
  }
  // An IPv6 host address is bracketed, as in docker's syntax: [::1]:80:8080.
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      throw UsageError("--publish '" + text + "': write an IPv6 address as [ADDR]:HOST_PORT:CONTAINER_PORT", help_for);
    p.host_ip = rest.substr(1, close - 1);
    rest.erase(0, close + 2);
    const auto colon = rest.find(':');
    if (colon == std::string::npos)
      throw UsageError("--publish '" + text + "': after the address give HOST_PORT:CONTAINER_PORT", help_for);
    if (colon > 0) p.host_port = port_number(rest.substr(0, colon), "host port", text, help_for);
    p.container_port = port_number(rest.substr(colon + 1), "container port", text, help_for);
    return p;
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto colon = rest.find(':', start);
    parts.push_back(rest.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3)
    throw UsageError("--publish '" + text + "': use [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]", help_for);
  if (parts.back().find('-') != std::string::npos)
    throw UsageError("--publish '" + text + "': port ranges are not supported; publish each port", help_for);
  p.container_port = port_number(parts.back(), "container port", text, help_for);
  if (parts.size() >= 2 && !parts[parts.size() - 2].empty())
    p.host_port = port_number(parts[parts.size() - 2], "host port", text, help_for);
  if (parts.size() == 3) p.host_ip = parts[0];
  return p;
}

}  // namespace moat::cli::commands
