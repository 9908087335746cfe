// Tests of the real `moat` binary, run as a child with argv arrays: help,
// usage errors, exit codes, JSON output, configuration errors.
#include "commands/registry.hpp"
#include "help.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"

#include <moat/plugin_abi.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <unistd.h>
#include <nlohmann/json.hpp>

#ifndef MOAT_BINARY
#error "MOAT_BINARY must name the moat executable"
#endif

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using moat::test::ProcessResult;
using moat::test::RunOptions;

// Every test runs moat with its own HOME, config and cache dirs, so neither
// the user's files nor another test's cache can change the outcome.
class Moat : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(home());
    fs::create_directories(config_home());
    fs::create_directories(cache_home());
  }
  fs::path home() const { return tmp_.path() / "home"; }
  fs::path config_home() const { return tmp_.path() / "config"; }
  fs::path cache_home() const { return tmp_.path() / "cache"; }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::path p = tmp_.path() / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

  ProcessResult moat(std::vector<std::string> args, RunOptions options = {}) const {
    args.insert(args.begin(), MOAT_BINARY);
    options.env.emplace("HOME", home().string());
    options.env.emplace("XDG_CONFIG_HOME", config_home().string());
    options.env.emplace("XDG_CACHE_HOME", cache_home().string());
    options.env.emplace("MOAT_PLUGIN_PATH", std::nullopt);
    options.env.emplace("NO_COLOR", std::nullopt);
    return moat::test::run_process(args, options);
  }

  moat::test::TempDir tmp_{"moat-cli-test"};
};

std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

// Exactly one line on stderr, nothing on stdout, and the given exit code.
void expect_one_line_error(const ProcessResult& r, int code, const std::string& line) {
  EXPECT_EQ(r.exit_code, code) << describe(r);
  EXPECT_EQ(r.err, line + "\n") << describe(r);
  EXPECT_TRUE(r.out.empty()) << describe(r);
}

TEST_F(Moat, TopLevelHelpListsEveryCommand) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    const auto r = moat(args);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.out.rfind("Usage: moat [GLOBAL OPTIONS] COMMAND", 0), 0U) << r.out;
    for (const auto& c : moat::cli::all_commands())
      EXPECT_NE(r.out.find("  " + c.name()), std::string::npos) << c.name();
    for (const char* opt :
         {"--config", "--plugin-path", "--log-level", "--output", "--quiet", "--no-color", "--version"})
      EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

TEST_F(Moat, EveryCommandHasHelpAndHelpCommandAgrees) {
  for (const auto& c : moat::cli::all_commands()) {
    std::vector<std::string> args = c.path;
    args.emplace_back("--help");
    const auto r = moat(args);
    ASSERT_EQ(r.exit_code, 0) << c.name() << "\n" << describe(r);
    EXPECT_EQ(r.out.rfind("Usage: " + moat::cli::usage_line(c) + "\n", 0), 0U) << r.out;
    EXPECT_NE(r.out.find(c.summary), std::string::npos) << r.out;

    std::vector<std::string> via_help{"help"};
    via_help.insert(via_help.end(), c.path.begin(), c.path.end());
    const auto h = moat(via_help);
    EXPECT_EQ(h.exit_code, 0) << describe(h);
    EXPECT_EQ(h.out, r.out) << c.name();
  }
}

TEST_F(Moat, GroupHelpListsItsSubcommands) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"plugins", "--help"}, {"help", "plugins"}}) {
    const auto r = moat(args);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.out.rfind("Usage: moat plugins COMMAND", 0), 0U) << r.out;
    for (const char* sub : {"plugins list", "plugins info ID", "plugins check [FILE...]"})
      EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  }
}

TEST_F(Moat, UnknownCommandsAndOptionsAreUsageErrors) {
  expect_one_line_error(moat({"frobnicate"}), 64, "moat: unknown command 'frobnicate' (see 'moat --help')");
  expect_one_line_error(moat({"plugins", "frobnicate"}), 64,
                        "moat: unknown command 'plugins frobnicate' (see 'moat plugins --help')");
  expect_one_line_error(moat({"help", "frobnicate"}), 64, "moat: unknown command 'frobnicate' (see 'moat --help')");
  expect_one_line_error(moat({"frobnicate", "--help"}), 64, "moat: unknown command 'frobnicate' (see 'moat --help')");
  expect_one_line_error(moat({"--frobnicate", "version"}), 64,
                        "moat: unknown option '--frobnicate' (see 'moat version --help')");
  expect_one_line_error(moat({"plugins", "list", "--frobnicate"}), 64,
                        "moat: unknown option '--frobnicate' (see 'moat plugins list --help')");
  // No prefix guessing: --conf is not --config, --out is not --output.
  expect_one_line_error(moat({"--conf", "x", "version"}), 64, "moat: unknown option '--conf' (see 'moat --help')");
  expect_one_line_error(moat({"version", "--conf", "x"}), 64,
                        "moat: unknown option '--conf' (see 'moat version --help')");
  expect_one_line_error(moat({"version", "--out", "json"}), 64,
                        "moat: unknown option '--out' (see 'moat version --help')");
}

TEST_F(Moat, BadArgumentsAreUsageErrors) {
  expect_one_line_error(moat({}), 64, "moat: missing command (see 'moat --help')");
  expect_one_line_error(moat({"plugins"}), 64,
                        "moat: 'plugins' needs a subcommand: list, info, check (see 'moat plugins --help')");
  expect_one_line_error(moat({"plugins", "info"}), 64, "moat: missing argument ID (see 'moat plugins info --help')");
  expect_one_line_error(moat({"version", "extra"}), 64,
                        "moat: unexpected argument 'extra' (see 'moat version --help')");
  expect_one_line_error(moat({"-o", "xml", "version"}), 64,
                        "moat: invalid value 'xml' for --output (expected table|json) (see 'moat version --help')");
  expect_one_line_error(moat({"--log-level", "loud", "version"}), 64,
                        "moat: invalid value 'loud' for --log-level (expected trace|debug|info|warn|error|off) "
                        "(see 'moat version --help')");
  const auto r = moat({"version", "--config"});
  EXPECT_EQ(r.exit_code, 64) << describe(r);
  EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
}

TEST_F(Moat, VersionInTextAndJson) {
  auto r = moat({"version"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("moat " MOAT_EXPECTED_VERSION "\nplugin ABI ", 0), 0U) << r.out;

  r = moat({"--version"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("moat " MOAT_EXPECTED_VERSION "\n", 0), 0U) << r.out;

  r = moat({"version", "-q"});
  EXPECT_EQ(r.out, MOAT_EXPECTED_VERSION "\n");

  r = moat({"-o", "json", "version"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["version"], MOAT_EXPECTED_VERSION);
  EXPECT_EQ(j["plugin_abi"]["major"], MOAT_ABI_MAJOR);
  EXPECT_EQ(j["plugin_abi"]["minor"], MOAT_ABI_MINOR);
  EXPECT_TRUE(j["build"]["compiler"].is_string());
  EXPECT_TRUE(j["build"]["libraries"]["boost"].is_string());
  // Global options may follow the command too.
  EXPECT_EQ(json::parse(moat({"version", "--output=json"}).out)["version"], MOAT_EXPECTED_VERSION);
}

TEST_F(Moat, SyntaxErrorInConfigGivesFileLineColumnAndExit78) {
  const fs::path f = write("bad.json", "{\n  \"default_runtime\": \"runc\"\n  \"plugin_dirs\": []\n}\n");
  const auto r = moat({"--config", f.string(), "runtimes"});
  EXPECT_EQ(r.exit_code, 78) << describe(r);
  EXPECT_TRUE(std::regex_search(r.err, std::regex("^moat: " + f.string() + ":3:[0-9]+: syntax error: .*\n$"))) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(Moat, WrongTypeInConfigGivesJsonPointerAndExit78) {
  const fs::path f =
      write("typed.json", R"({"plugins": {"gvisor": {"runtime_name": "runsc"}}, "engine": {"timeout_s": "ten"}})");
  expect_one_line_error(moat({"--config", f.string(), "plugins", "list"}), 78,
                        "moat: " + f.string() + ": /engine/timeout_s: expected a number, got string");
  const fs::path g = write("plugin.json", R"({"plugins": {"gvisor": 7}})");
  expect_one_line_error(moat({"--config", g.string(), "-o", "json", "runtimes"}), 78,
                        "moat: " + g.string() + ": /plugins/gvisor: expected an object, got number");
}

TEST_F(Moat, DefaultConfigIsFoundThroughXdg) {
  write("config/moat/config.json", R"({"default_runtime": 5})");
  const auto r = moat({"plugins", "list"});
  EXPECT_EQ(r.exit_code, 78) << describe(r);
  EXPECT_NE(r.err.find((config_home() / "moat/config.json").string() + ": /default_runtime: expected a string"),
            std::string::npos)
      << r.err;
  // Commands that need no configuration are not stopped by a broken one.
  EXPECT_EQ(moat({"version"}).exit_code, 0);
  EXPECT_EQ(moat({"plugins", "list", "--help"}).exit_code, 0);
}

TEST_F(Moat, MissingExplicitConfigIsExit66) {
  const fs::path f = tmp_.path() / "nope.json";
  expect_one_line_error(moat({"--config", f.string(), "runtimes"}), 66, "moat: " + f.string() + ": no such file");
}

TEST_F(Moat, UnknownConfigKeyIsAWarningOnly) {
  const fs::path f = write("warn.json", R"({"colour": "blue"})");
  fs::create_directories(tmp_.path() / "empty");
  const auto r = moat({"--config", f.string(), "--plugin-path", (tmp_.path() / "empty").string(), "plugins", "list"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("moat: warning: " + f.string() + ": /colour: unknown key, ignored"), std::string::npos) << r.err;
  // --log-level error (and -q) silence warnings.
  const auto q = moat({"--config", f.string(), "--plugin-path", (tmp_.path() / "empty").string(), "--log-level",
                       "error", "plugins", "list"});
  EXPECT_EQ(q.err.find("warning"), std::string::npos) << q.err;
}

TEST_F(Moat, MissingPluginPathDirIsExit66) {
  const fs::path d = tmp_.path() / "no-such-dir";
  expect_one_line_error(moat({"--plugin-path", d.string(), "plugins", "list"}), 66,
                        "moat: --plugin-path " + d.string() + ": no such directory");
}

TEST_F(Moat, MissingCheckFileIsExit66) {
  const fs::path f = tmp_.path() / "moat-nothing.so";
  expect_one_line_error(moat({"plugins", "check", f.string()}), 66, "moat: " + f.string() + ": no such file");
}

}  // namespace

namespace {

// docs/cli.md's reference section must be exactly what --help says now.
TEST(Docs, CliReferenceMatchesHelp) {
  // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): MOAT_SOURCE_DIR is a literal joined to the path
  const auto r = moat::test::run_process({"/bin/bash", MOAT_SOURCE_DIR "/tests/cli/update-cli-reference.sh", "--check",
                                          MOAT_BINARY, MOAT_SOURCE_DIR "/docs/cli.md"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
