#include "global_options.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

namespace moat::cli {
namespace po = boost::program_options;

namespace {

constexpr std::array<std::pair<std::string_view, OutputFormat>, 2> kFormats{{
    {"table", OutputFormat::table},
    {"json", OutputFormat::json},
}};
constexpr std::array<std::pair<std::string_view, LogLevel>, 6> kLevels{{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
    {"off", LogLevel::off},
}};

template <typename Enum, std::size_t N>
void validate_choice(boost::any& v, const std::vector<std::string>& values,
                     const std::array<std::pair<std::string_view, Enum>, N>& choices, std::string_view option) {
  po::validators::check_first_occurrence(v);
  const std::string& s = po::validators::get_single_string(values);
  std::string names;
  for (const auto& [name, value] : choices) {
    if (s == name) {
      v = boost::any(value);
      return;
    }
    names += names.empty() ? "" : "|";
    names += name;
  }
  throw po::error(fmt::format("invalid value '{}' for {} (expected {})", s, option, names));
}

template <typename Enum, std::size_t N>
std::string_view name_of(Enum e, const std::array<std::pair<std::string_view, Enum>, N>& choices) {
  for (const auto& [name, value] : choices)
    if (value == e) return name;
  return "?";
}

}  // namespace

std::string_view to_string(OutputFormat f) { return name_of(f, kFormats); }
std::string_view to_string(LogLevel l) { return name_of(l, kLevels); }

void validate(boost::any& v, const std::vector<std::string>& values, OutputFormat*, int) {
  validate_choice(v, values, kFormats, "--output");
}
void validate(boost::any& v, const std::vector<std::string>& values, LogLevel*, int) {
  validate_choice(v, values, kLevels, "--log-level");
}

po::options_description global_options_description() {
  po::options_description d("Global options");
  // clang-format off
  d.add_options()
    ("config", po::value<std::string>()->value_name("FILE"),
       "read only this configuration file (default: /etc/moat/config.json, then "
       "$XDG_CONFIG_HOME/moat/config.json)")
    ("plugin-path", po::value<std::vector<std::string>>()->value_name("DIR")->composing(),
       "search DIR for plugins before all other places (repeatable)")
    ("log-level", po::value<LogLevel>()->value_name("LEVEL"),
       "trace|debug|info|warn|error|off (default: warn); logs go to stderr")
    ("output,o", po::value<OutputFormat>()->value_name("FORMAT"),
       "table|json (default: table); json prints one document with \"schema_version\"")
    ("quiet,q", po::bool_switch(), "print only the essential result; log only errors")
    ("no-color", po::bool_switch(), "never colour the output (NO_COLOR is honoured too)")
    ("help,h", po::bool_switch(), "show help for moat or for the command")
    ("version", po::bool_switch(), "print moat's version (same as 'moat version')");
  // clang-format on
  return d;
}

bool global_option_takes_value(std::string_view token) {
  if (token == "--config" || token == "--plugin-path" || token == "--log-level" || token == "--output") return true;
  // Short options may be bundled ("-qo json"): -o takes the rest of the
  // token, or the next token when it is last.
  if (token.size() >= 2 && token[0] == '-' && token[1] != '-') return token.find('o', 1) == token.size() - 1;
  return false;
}

GlobalOptions read_global_options(const po::variables_map& vm) {
  GlobalOptions g;
  if (vm.count("config")) g.config_file = vm["config"].as<std::string>();
  if (vm.count("plugin-path"))
    for (const auto& dir : vm["plugin-path"].as<std::vector<std::string>>()) g.plugin_path.emplace_back(dir);
  if (vm.count("log-level")) {
    g.log_level = vm["log-level"].as<LogLevel>();
    g.log_level_given = true;
  }
  if (vm.count("output")) g.output = vm["output"].as<OutputFormat>();
  g.quiet = vm["quiet"].as<bool>();
  g.no_color = vm["no-color"].as<bool>();
  g.help = vm["help"].as<bool>();
  g.version = vm["version"].as<bool>();
  return g;
}

}  // namespace moat::cli
