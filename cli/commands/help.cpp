// moat help [COMMAND...]: the same text as 'moat COMMAND --help'.
#include "../help.hpp"
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"

#include <algorithm>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  const auto words = ctx.args("command");
  const auto& table = ctx.commands();
  std::ostream& out = ctx.out_stream();
  if (ctx.vars()["commands"].as<bool>()) {
    // For completion scripts and the CLI reference generator.
    for (const Command* c : commands_under(table, words)) out << c->name() << '\n';
    if (!words.empty() && commands_under(table, words).empty())
      throw UsageError("unknown command '" + join_words(words) + "'");
    return to_int(ExitCode::ok);
  }
  if (words.empty()) {
    out << top_level_help(table);
  } else if (auto it = std::find_if(table.begin(), table.end(), [&](const Command& c) { return c.path == words; });
             it != table.end()) {
    out << command_help(*it);
  } else if (!commands_under(table, words).empty()) {
    out << group_help(table, words);
  } else {
    throw UsageError("unknown command '" + join_words(words) + "'");
  }
  return to_int(ExitCode::ok);
}

}  // namespace

Command help() {
  return {
      .path = {"help"},
      .summary = "Show help for moat or for a command",
      .description =
          "With --commands, prints every command (under COMMAND, if given), one a\n"
          "line, for completion scripts and the CLI reference.",
      .options =
          [](boost::program_options::options_description& d) {
            d.add_options()("commands", boost::program_options::bool_switch(), "list command names only");
          },
      .positionals = {{.name = "command",
                       .description = "the command's words, e.g. 'plugins list'",
                       .required = false,
                       .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
