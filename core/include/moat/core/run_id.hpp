// The id of one bench or matrix run: the value of the moat.run-id label on
// everything the run creates, which `moat gc --run-id` sweeps.
#pragma once

#include <string>

namespace moat::core {

// "YYYYMMDD-HHMMSS-xxxx" (UTC, 4 random hex digits): sorts by time, and is a
// valid label value and sandbox-name part.
std::string new_run_id();

}  // namespace moat::core
