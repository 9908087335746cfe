#include "help.hpp"

#include "global_options.hpp"
#include "table.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace moat::cli {
namespace po = boost::program_options;

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string positional_usage(const Command& c) {
  std::string out;
  for (const auto& p : c.positionals) {
    std::string name = upper(p.name);
    if (p.repeatable) name += "...";
    out += ' ';
    out += p.required ? name : "[" + name + "]";
  }
  return out;
}

po::options_description command_options(const Command& c) {
  po::options_description d("Options");
  if (c.options) c.options(d);
  return d;
}

// Commands as an aligned, indented list: "  plugins info ID   Show ...".
std::string command_list(const std::vector<const Command*>& commands) {
  Table t;
  for (const Command* c : commands) t.add_row({"  " + c->name() + positional_usage(*c), c->summary});
  std::ostringstream s;
  t.render(s, false);
  return s.str();
}

// Boost pads wrapped option descriptions with trailing blanks; help text is
// also documentation (docs/cli.md), so keep it clean.
std::string strip_trailing_blanks(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

}  // namespace

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::vector<const Command*> commands_under(const CommandTable& commands, const std::vector<std::string>& prefix) {
  std::vector<const Command*> out;
  for (const auto& c : commands)
    if (c.path.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), c.path.begin())) out.push_back(&c);
  return out;
}

std::string usage_line(const Command& c) {
  std::string line = "moat " + c.name();
  if (!command_options(c).options().empty()) line += " [OPTIONS]";
  return line + positional_usage(c);
}

std::string top_level_help(const CommandTable& commands) {
  std::ostringstream s;
  s << "Usage: moat [GLOBAL OPTIONS] COMMAND [ARGS...]\n\n"
    << "moat puts one interface in front of container isolation backends (Docker +\n"
    << "Sysbox, gVisor, Kata, runc, host), loads each backend as a plugin, and\n"
    << "measures them side by side.\n\n"
    << "Commands:\n"
    << command_list(commands_under(commands, {})) << '\n'
    << global_options_description() << '\n'
    << "Run 'moat COMMAND --help' (or 'moat help COMMAND') for more about a command.\n"
    << "Exit codes follow sysexits(3): 0 ok, 1 failed, 64 usage, 65 data, 66 no input,\n"
    << "69 unavailable, 70 internal, 75 temporary, 77 permission, 78 config,\n"
    << "130 interrupted (see docs/exit-codes.md).\n";
  return strip_trailing_blanks(s.str());
}

std::string group_help(const CommandTable& commands, const std::vector<std::string>& prefix) {
  std::ostringstream s;
  const std::string name = join_words(prefix);
  s << "Usage: moat " << name << " COMMAND [ARGS...]\n\n"
    << "Commands:\n"
    << command_list(commands_under(commands, prefix)) << '\n'
    << "Run 'moat " << name << " COMMAND --help' for more about a command.\n";
  return strip_trailing_blanks(s.str());
}

std::string command_help(const Command& c) {
  std::ostringstream s;
  s << "Usage: " << usage_line(c) << "\n\n" << c.summary << '\n';
  if (!c.description.empty()) s << '\n' << c.description << (c.description.ends_with('\n') ? "" : "\n");
  if (!c.positionals.empty()) {
    s << "\nArguments:\n";
    Table t;
    for (const auto& p : c.positionals) t.add_row({"  " + upper(p.name), p.description});
    t.render(s, false);
  }
  if (auto d = command_options(c); !d.options().empty()) s << '\n' << d;
  s << "\nGlobal options (--config, --plugin-path, --log-level, -o, -q, --no-color) are\n"
    << "described in 'moat --help'.\n";
  return strip_trailing_blanks(s.str());
}

}  // namespace moat::cli
