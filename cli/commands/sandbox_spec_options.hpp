// The options that describe a sandbox, shared by `moat sandbox create` and
// `moat sandbox restore` (which takes its image from the snapshot): runtime,
// workspace, home, user, binds, env, network, labels, DinD, entrypoint and
// command, limits, restart policy and ports.
#pragma once

#include "../context.hpp"

#include <moat/model.hpp>

#include <string>

#include <boost/program_options/options_description.hpp>

namespace moat::cli::commands {

void add_spec_options(boost::program_options::options_description& d);

// The spec those options give (image left empty); usage errors name `help_for`.
SandboxSpec spec_from_options(Context& ctx, const std::string& help_for);

}  // namespace moat::cli::commands
