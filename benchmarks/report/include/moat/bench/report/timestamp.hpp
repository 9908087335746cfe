// RFC 3339 UTC timestamps with microseconds, the one time format in results files.
#pragma once

#include <chrono>
#include <string>

namespace moat::bench {

// "2024-05-01T12:34:56.123456Z"
std::string format_rfc3339(std::chrono::system_clock::time_point tp);
std::string now_rfc3339();

}  // namespace moat::bench
