// One CLI command, as a table entry (the Ceph rbd "Action" pattern, without
// static self-registration): commands/registry.cpp lists them all, and help,
// usage errors, the CLI reference and completion are generated from here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

namespace moat::cli {

class Context;

// A positional argument. Only the last one may be repeatable.
struct Positional {
  std::string name;         // shown in help in upper case, e.g. "ID"
  std::string description;  // one line
  bool required = true;
  bool repeatable = false;
};

struct Command {
  std::vector<std::string> path;  // e.g. {"plugins", "list"}
  std::string summary;            // one line, for the command list
  std::string description;        // paragraph(s) for `--help`; may be empty
  // Adds the command's own options (global options are added by the parser).
  std::function<void(boost::program_options::options_description&)> options;
  std::vector<Positional> positionals;
  // Runs the command; returns the process exit code (see exit_code.hpp).
  // May throw moat::Error, core::ConfigError or UsageError: main maps them.
  std::function<int(Context&)> run;

  [[nodiscard]] std::string name() const;  // "plugins list"
};

using CommandTable = std::vector<Command>;

}  // namespace moat::cli
