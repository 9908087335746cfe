// Help text, generated from the command table: the top level, a command
// group ("moat plugins --help") and each command.
#pragma once

#include "command.hpp"

#include <string>
#include <vector>

namespace moat::cli {

std::string top_level_help(const CommandTable& commands);
// `prefix` names a group: the words shared by several commands.
std::string group_help(const CommandTable& commands, const std::vector<std::string>& prefix);
std::string command_help(const Command& command);

// "moat plugins info [OPTIONS] ID"
std::string usage_line(const Command& command);

// Commands whose path starts with `prefix` (all of them for an empty prefix).
std::vector<const Command*> commands_under(const CommandTable& commands, const std::vector<std::string>& prefix);

std::string join_words(const std::vector<std::string>& words);

}  // namespace moat::cli
