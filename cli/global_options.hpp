// The options every command accepts, and their typed values. Parsed with
// the command's own options in one pass, so they may appear before or after
// the command words.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/any.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

namespace moat::cli {

enum class OutputFormat { table, json };
enum class LogLevel { trace, debug, info, warn, error, off };

std::string_view to_string(OutputFormat f);
std::string_view to_string(LogLevel l);

// Boost.Program_options finds these by ADL: a bad value is a usage error
// that names the choices.
void validate(boost::any& v, const std::vector<std::string>& values, OutputFormat*, int);
void validate(boost::any& v, const std::vector<std::string>& values, LogLevel*, int);

struct GlobalOptions {
  std::optional<std::filesystem::path> config_file;
  std::vector<std::filesystem::path> plugin_path;  // as given, in order
  LogLevel log_level = LogLevel::warn;
  bool log_level_given = false;
  OutputFormat output = OutputFormat::table;
  bool quiet = false;
  bool no_color = false;
  bool help = false;
  bool version = false;
};

// The global options, for parsing and for help.
boost::program_options::options_description global_options_description();

// The global options whose next token is their value (the command finder
// must skip those values when it looks for command words).
bool global_option_takes_value(std::string_view token);

GlobalOptions read_global_options(const boost::program_options::variables_map& vm);

}  // namespace moat::cli
