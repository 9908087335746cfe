// Finds which command a command line names, before full parsing (which
// needs the command's own options): the leading non-option words are
// matched against the command paths, skipping global options and their
// values wherever they appear.
#pragma once

#include "command.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace moat::cli {

struct CommandMatch {
  const Command* command = nullptr;     // exact match, or nullptr
  std::vector<std::string> words;       // the matched words (a command path or a group prefix)
  std::vector<std::size_t> word_index;  // where they were in args (removed before parsing)
  std::string unmatched;                // the first word that matched nothing ("" if none)
  std::size_t unmatched_index = 0;      // its index in args
};

CommandMatch find_command(const CommandTable& commands, const std::vector<std::string>& args);

}  // namespace moat::cli
