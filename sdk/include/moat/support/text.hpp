// Small string helpers shared by plugins, the host and the harness.
#pragma once

#include <string>
#include <string_view>

namespace moat::support {

// `s` without leading and trailing white space (space, tab, CR, LF).
std::string trim(std::string_view s);

// The first line of `text`, trimmed.
std::string first_line(std::string_view text);

// The last non-empty line of `text`, trimmed.
std::string last_line(std::string_view text);

}  // namespace moat::support
