// Logs go to stderr through spdlog ("moat: warning: ..."), never to stdout.
#pragma once

#include "global_options.hpp"

namespace moat::cli {

// Makes spdlog's default logger (which core code logs through) write to
// stderr at `level`, coloured only when `color`.
void setup_logging(LogLevel level, bool color);

}  // namespace moat::cli
