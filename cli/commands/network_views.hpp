// How `moat network ...` shows networks: JSON is the model's wire format,
// the table one row per network.
#pragma once

#include "../output.hpp"

#include <moat/model.hpp>

#include <vector>

namespace moat::cli::commands {

// Key/value view of one network (its name alone with -q; JSON {"network": ...}).
void print_network(Output& out, const NetworkInfo& info);
// One row per network (names with -q; JSON {"networks": [...]}).
void print_networks(Output& out, const std::vector<NetworkInfo>& networks);

}  // namespace moat::cli::commands
