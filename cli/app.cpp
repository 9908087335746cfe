#include "app.hpp"

#include "command_finder.hpp"
#include "context.hpp"
#include "exit_code.hpp"
#include "global_options.hpp"
#include "help.hpp"
#include "logging.hpp"
#include "output.hpp"
#include "usage_error.hpp"

#include <moat/core/config.hpp>
#include <moat/error.hpp>

#include <algorithm>
#include <cctype>
#include <exception>

#include <unistd.h>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>

namespace moat::cli {
namespace po = boost::program_options;

namespace {

// "(see 'moat plugins list --help')"
std::string see_help(const std::string& name) {
  return name.empty() ? "(see 'moat --help')" : "(see 'moat " + name + " --help')";
}

int usage_error(std::ostream& err, const std::string& message, const std::string& help_for) {
  err << "moat: " << message << ' ' << see_help(help_for) << '\n';
  return to_int(ExitCode::usage);
}

int config_error(std::ostream& err, const core::ConfigError& e) {
  err << "moat: " << e.what() << '\n';
  switch (e.kind()) {
    case core::ConfigError::Kind::not_found:
      return to_int(ExitCode::no_input);
    case core::ConfigError::Kind::no_permission:
      return to_int(ExitCode::no_permission);
    default:
      return to_int(ExitCode::config);
  }
}

std::string upper_name(const Positional& p) {
  std::string s = p.name;
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

const Command* find_by_path(const CommandTable& commands, const std::vector<std::string>& path) {
  auto it = std::find_if(commands.begin(), commands.end(), [&](const Command& c) { return c.path == path; });
  return it == commands.end() ? nullptr : &*it;
}

// Global + command options + the command's positionals as hidden options.
struct ParseSpec {
  po::options_description all;
  po::positional_options_description positional;
};

ParseSpec parse_spec(const Command* command) {
  ParseSpec spec;
  spec.all.add(global_options_description());
  if (command == nullptr) return spec;
  po::options_description own;
  if (command->options) command->options(own);
  spec.all.add(own);
  po::options_description hidden;
  for (const auto& p : command->positionals) {
    if (p.repeatable) {
      hidden.add_options()(p.name.c_str(), po::value<std::vector<std::string>>());
      spec.positional.add(p.name.c_str(), -1);
    } else {
      hidden.add_options()(p.name.c_str(), po::value<std::string>());
      spec.positional.add(p.name.c_str(), 1);
    }
  }
  spec.all.add(hidden);
  return spec;
}

int dispatch(const CommandTable& commands, const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
             const std::atomic<bool>& cancel) {
  const CommandMatch match = find_command(commands, args);
  const std::string name = join_words(match.words);

  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (std::find(match.word_index.begin(), match.word_index.end(), i) == match.word_index.end())
      rest.push_back(args[i]);

  if (match.command == nullptr && !match.unmatched.empty()) {
    // "moat --conf x version": the unknown option made "x" look like a
    // command; report the option, which is the real mistake.
    const std::vector<std::string> before(args.begin(),
                                          args.begin() + static_cast<std::ptrdiff_t>(match.unmatched_index));
    try {
      po::variables_map ignored;
      po::store(po::command_line_parser(before)
                    .options(global_options_description())
                    .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                    .run(),
                ignored);
    } catch (const po::unknown_option& e) {
      return usage_error(err, "unknown option '" + e.get_option_name() + "'", name);
    } catch (const po::error&) {
      // Other problems there are reported once the command is right.
    }
    return usage_error(err, "unknown command '" + (name.empty() ? match.unmatched : name + " " + match.unmatched) + "'",
                       name);
  }

  ParseSpec spec = parse_spec(match.command);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(rest)
                  .options(spec.all)
                  .positional(spec.positional)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    return usage_error(err, "unknown option '" + e.get_option_name() + "'", name);
  } catch (const po::too_many_positional_options_error&) {
    // The first word that is neither an option nor a command word.
    const auto it = std::find_if(rest.begin(), rest.end(), [](const std::string& a) { return !a.starts_with('-'); });
    return usage_error(err, "unexpected argument" + (it == rest.end() ? std::string() : " '" + *it + "'"), name);
  } catch (const po::error& e) {
    return usage_error(err, e.what(), name);
  }

  GlobalOptions globals = read_global_options(vm);
  const bool color_err = use_color(STDERR_FILENO, globals.no_color);
  setup_logging(globals.quiet && !globals.log_level_given ? LogLevel::error : globals.log_level, color_err);

  if (globals.help) {
    if (match.command != nullptr)
      out << command_help(*match.command);
    else if (!match.words.empty())
      out << group_help(commands, match.words);
    else
      out << top_level_help(commands);
    return to_int(ExitCode::ok);
  }

  const Command* command = match.command;
  if (globals.version) command = find_by_path(commands, {"version"});
  if (command == nullptr) {
    if (match.words.empty()) return usage_error(err, "missing command", "");
    std::string subs;
    for (const Command* c : commands_under(commands, match.words))
      if (c->path.size() > match.words.size()) subs += (subs.empty() ? "" : ", ") + c->path[match.words.size()];
    return usage_error(err, "'" + name + "' needs a subcommand: " + subs, name);
  }

  for (const auto& p : command->positionals)
    if (p.required && vm.count(p.name) == 0)
      return usage_error(err, "missing argument " + upper_name(p), command->name());

  Context ctx(commands, *command, globals, std::move(vm), out, err, cancel);
  return command->run(ctx);
}

}  // namespace

int run_cli(const CommandTable& commands, const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            const std::atomic<bool>& cancel) noexcept {
  try {
    try {
      return dispatch(commands, args, out, err, cancel);
    } catch (const UsageError& e) {
      return usage_error(err, e.what(), e.help_for());
    } catch (const core::ConfigError& e) {
      return config_error(err, e);
    } catch (const moat::Error& e) {
      err << "moat: " << e.what() << '\n';
      // Whatever failed after Ctrl-C or SIGTERM failed because of it.
      if (cancel.load()) return to_int(ExitCode::interrupted);
      return to_int(exit_code_for(e.status()));
    } catch (const std::exception& e) {
      err << "moat: internal error: " << e.what() << '\n';
      return to_int(ExitCode::internal);
    } catch (...) {
      err << "moat: internal error: unknown exception\n";
      return to_int(ExitCode::internal);
    }
  } catch (...) {
    // Writing the message itself failed (stderr closed): the code still tells.
    return to_int(ExitCode::internal);
  }
}

}  // namespace moat::cli
