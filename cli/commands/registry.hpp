// The table of every moat command.
#pragma once

#include "../command.hpp"

namespace moat::cli {

CommandTable all_commands();

}  // namespace moat::cli
