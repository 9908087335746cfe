#include "command_finder.hpp"

#include "global_options.hpp"
#include "help.hpp"

#include <algorithm>

namespace moat::cli {
namespace {

bool is_prefix_of_some(const CommandTable& commands, const std::vector<std::string>& words) {
  return !commands_under(commands, words).empty();
}

const Command* exact(const CommandTable& commands, const std::vector<std::string>& words) {
  auto it = std::find_if(commands.begin(), commands.end(), [&](const Command& c) { return c.path == words; });
  return it == commands.end() ? nullptr : &*it;
}

}  // namespace

CommandMatch find_command(const CommandTable& commands, const std::vector<std::string>& args) {
  CommandMatch m;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      // "--opt=value" carries its value; "--opt value" does for global options.
      if (a.find('=') == std::string::npos && global_option_takes_value(a)) ++i;
      continue;
    }
    auto next = m.words;
    next.push_back(a);
    if (!is_prefix_of_some(commands, next)) {
      m.unmatched = a;
      m.unmatched_index = i;
      break;
    }
    m.words = std::move(next);
    m.word_index.push_back(i);
  }
  // Greedy matching may overshoot a shorter command whose positional looks
  // like a sub-command word; the longest exact path wins.
  for (std::size_t n = m.words.size(); n > 0; --n) {
    std::vector<std::string> head(m.words.begin(), m.words.begin() + static_cast<std::ptrdiff_t>(n));
    if (const Command* c = exact(commands, head)) {
      m.command = c;
      m.words = std::move(head);
      m.word_index.resize(n);
      m.unmatched.clear();
      break;
    }
  }
  return m;
}

}  // namespace moat::cli
