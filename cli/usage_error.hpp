// A bad command line, found after parsing (a missing argument, a bad value).
// main prints "moat: <message> (see 'moat <command> --help')" and exits 64.
#pragma once

#include <stdexcept>
#include <string>

namespace moat::cli {

class UsageError : public std::runtime_error {
 public:
  // `help_for` is the command whose help explains it ("" = top level).
  UsageError(const std::string& message, std::string help_for = {})
      : std::runtime_error(message), help_for_(std::move(help_for)) {}
  [[nodiscard]] const std::string& help_for() const noexcept { return help_for_; }

 private:
  std::string help_for_;
};

}  // namespace moat::cli
