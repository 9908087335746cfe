// What every fuzz target does when an invariant breaks: say which, then
// abort, which libFuzzer records as a crash (and the replay test as a failure).
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

namespace moat::fuzz {

[[noreturn]] inline void finding(std::string_view what) {
  std::fprintf(stderr, "FUZZ FINDING: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void expect(bool ok, std::string_view what) {
  if (!ok) finding(what);
}

// The brief's rule for bad input: one line. Control characters from the
// input must not reach a message unescaped.
inline void expect_one_line(std::string_view message, std::string_view who) {
  for (char c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      finding(std::string(who) + ": message is not one printable line: " + std::string(message));
  }
}

// A temporary directory of the target's own, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view stem) {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(stem) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) finding("mkdtemp failed");
    dir_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace moat::fuzz
