#include "command.hpp"

#include "help.hpp"

namespace moat::cli {

std::string Command::name() const { return join_words(path); }

}  // namespace moat::cli
