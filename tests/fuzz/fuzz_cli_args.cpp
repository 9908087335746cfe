// Command-line values of `moat sandbox create` as the CLI parses them:
// -v SRC:DST[:ro|:rw], --volume NAME:DST[:ro|:rw], -e/--label K=V, and the
// spec they build, through the host's validation (user names included).
//
// Input: argument values, one per line; "@T" stands for a scratch directory
// with a subdirectory "ws". Each line is tried as every kind of value; the
// lines that parse as binds, volumes and K=V go into one spec, with the first
// line as the user name.
//
// Invariants: a parser returns or throws UsageError, nothing else; what it
// returns is what the text said (SRC, DST, mode); the spec is accepted or
// refused with moat::Error(MOAT_E_INVALID) in one line.
#include "fuzz_check.hpp"

#include "commands/sandbox_support.hpp"
#include "usage_error.hpp"

#include <moat/core/sandbox_service.hpp>
#include <moat/error.hpp>

#include <unistd.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using moat::fuzz::expect;
using moat::fuzz::finding;

// A workspace directory that exists, for paths the parser checks.
class Scratch {
 public:
  Scratch() : tmp_("moat-fuzz-cli") { std::filesystem::create_directories(tmp_.dir() / "ws"); }
  [[nodiscard]] const fs::path& dir() const { return tmp_.dir(); }

 private:
  moat::fuzz::ScratchDir tmp_;
};

template <typename F>
bool parses(const char* who, F&& f) {
  try {
    f();
    return true;
  } catch (const moat::cli::UsageError& e) {
    expect(*e.what() != '\0', std::string(who) + ": empty usage message");
    return false;
  } catch (const std::exception& e) {
    finding(std::string(who) + " threw something other than UsageError: " + e.what());
  }
}

void check_mount(const moat::Mount& m, const std::string& text, const char* type) {
  expect(m.type == type, "parsed mount has the wrong type");
  expect(!m.source.empty() && !m.target.empty(), "parsed mount with an empty part");
  const std::string back = m.source + ":" + m.target;
  expect(text == back ? !m.read_only : text == back + (m.read_only ? ":ro" : ":rw"),
         "parsed mount does not say what the text said: " + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  std::string text(reinterpret_cast<const char*>(data), size);
  for (std::size_t at = 0; (at = text.find("@T", at)) != std::string::npos;) {
    text.replace(at, 2, scratch.dir().string());
    at += scratch.dir().string().size();
  }
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= text.size() && lines.size() < 64;) {
    const auto end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }

  moat::SandboxSpec spec;
  spec.name = "fuzz";
  spec.user = lines.front();
  for (const auto& line : lines) {
    moat::Mount m;
    if (parses("parse_bind", [&] { m = moat::cli::commands::parse_bind(line, "sandbox create"); })) {
      check_mount(m, line, "bind");
      spec.mounts.push_back(m);
    }
    if (parses("parse_volume", [&] { m = moat::cli::commands::parse_volume(line, "sandbox create"); })) {
      check_mount(m, line, "volume");
      spec.mounts.push_back(m);
    }
    std::pair<std::string, std::string> kv;
    if (parses("split_key_value", [&] { kv = moat::cli::commands::split_key_value(line, "-e", "sandbox create"); })) {
      expect(!kv.first.empty() && kv.first + "=" + kv.second == line, "K=V split lost text");
      spec.env[kv.first] = kv.second;
    }
  }
  try {
    moat::core::validate_spec(spec, {scratch.dir()});
  } catch (const moat::Error& e) {
    expect(e.status() == MOAT_E_INVALID, std::string("validate_spec threw a status other than invalid: ") + e.what());
    moat::fuzz::expect_one_line(e.what(), "validate_spec");
  } catch (const std::exception& e) {
    finding(std::string("validate_spec threw something other than moat::Error: ") + e.what());
  }
  return 0;
}
