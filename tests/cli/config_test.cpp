// In-process tests of configuration parsing, validation and merging.
#include "temp_dir.hpp"

#include <moat/core/config.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using moat::core::Config;
using moat::core::ConfigError;
using json = nlohmann::json;

// A fresh directory, removed afterwards, to write config files into.
class TempDir : public moat::test::TempDir {
 public:
  TempDir() : moat::test::TempDir("moat-config-test") {}
  fs::path write(const std::string& name, const std::string& text) const {
    fs::path p = path() / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

json parse(const std::string& text, std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> w;
  auto doc = moat::core::parse_config_document(text, "/etc/x.json", w);
  if (warnings != nullptr) *warnings = w;
  return doc;
}

// The message and kind of the ConfigError that parsing `text` throws.
std::pair<ConfigError::Kind, std::string> error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return {e.kind(), e.what()};
  }
  ADD_FAILURE() << "no ConfigError for: " << text;
  return {ConfigError::Kind::invalid, ""};
}

Config from(const std::vector<std::string>& texts) {
  std::vector<std::pair<fs::path, json>> docs;
  for (std::size_t i = 0; i < texts.size(); ++i) docs.emplace_back("/f" + std::to_string(i), parse(texts[i]));
  return moat::core::merge_config(docs);
}

TEST(ConfigParse, EmptyObjectGivesDefaults) {
  const Config c = from({"{}"});
  EXPECT_EQ(c.default_runtime, "sysbox");
  EXPECT_TRUE(c.plugin_dirs.empty());
  EXPECT_FALSE(c.engine.socket.has_value());
  EXPECT_FALSE(c.engine.timeout_s.has_value());
  EXPECT_TRUE(c.plugins.is_object());
  EXPECT_TRUE(c.plugins.empty());
  EXPECT_TRUE(c.bench.is_object());
  EXPECT_TRUE(c.allowed_bind_roots.empty());
}

TEST(ConfigParse, EveryKeyIsRead) {
  const Config c = from({R"({
    "default_runtime": "gvisor",
    "plugin_dirs": ["/opt/moat/plugins", "/srv/p/"],
    "engine": {"socket": "unix:///run/docker.sock", "timeout_s": 2.5},
    "plugins": {"gvisor": {"runtime_name": "runsc-nonet"}, "kata": {}},
    "bench": {"repetitions": 10},
    "allowed_bind_roots": ["/srv/workspaces"]
  })"});
  EXPECT_EQ(c.default_runtime, "gvisor");
  ASSERT_EQ(c.plugin_dirs.size(), 2U);
  EXPECT_EQ(c.plugin_dirs[0], fs::path("/opt/moat/plugins"));
  EXPECT_EQ(c.engine.socket.value(), "unix:///run/docker.sock");
  EXPECT_DOUBLE_EQ(c.engine.timeout_s.value(), 2.5);
  EXPECT_EQ(c.plugins["gvisor"]["runtime_name"], "runsc-nonet");
  EXPECT_EQ(c.bench["repetitions"], 10);
  ASSERT_EQ(c.allowed_bind_roots.size(), 1U);
  EXPECT_EQ(c.allowed_bind_roots[0], fs::path("/srv/workspaces"));
}

TEST(ConfigParse, SyntaxErrorGivesFileLineAndColumn) {
  const auto [kind, msg] = error_of("{\n  \"default_runtime\": \"runc\",\n  oops\n}");
  EXPECT_EQ(kind, ConfigError::Kind::syntax);
  EXPECT_EQ(msg.rfind("/etc/x.json:3:", 0), 0U) << msg;
  EXPECT_NE(msg.find("syntax error"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("json.exception"), std::string::npos) << "library noise leaked: " << msg;
}

TEST(ConfigParse, EmptyFileIsASyntaxError) { EXPECT_EQ(error_of("").first, ConfigError::Kind::syntax); }

TEST(ConfigParse, WrongTypesNameThePointerAndTheExpectation) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {R"([1])", "/etc/x.json: expected a JSON object at the top level, got array"},
      {R"({"default_runtime": 3})", "/etc/x.json: /default_runtime: expected a string, got number"},
      {R"({"default_runtime": "Bad Id"})",
       "/etc/x.json: /default_runtime: expected a plugin id ([a-z0-9][a-z0-9-]*), got \"Bad Id\""},
      {R"({"plugin_dirs": "/x"})", "/etc/x.json: /plugin_dirs: expected an array of absolute paths, got string"},
      {R"({"plugin_dirs": ["/ok", 7]})", "/etc/x.json: /plugin_dirs/1: expected a string, got number"},
      {R"({"plugin_dirs": ["relative/dir"]})",
       "/etc/x.json: /plugin_dirs/0: expected an absolute path, got \"relative/dir\""},
      {R"({"engine": []})", "/etc/x.json: /engine: expected an object, got array"},
      {R"({"engine": {"socket": 1}})", "/etc/x.json: /engine/socket: expected a string, got number"},
      {R"({"engine": {"socket": "tcp://h:2375"}})",
       "/etc/x.json: /engine/socket: expected an absolute socket path or unix:///path, got \"tcp://h:2375\""},
      {R"({"engine": {"timeout_s": "10"}})", "/etc/x.json: /engine/timeout_s: expected a number, got string"},
      {R"({"engine": {"timeout_s": 0}})", "/etc/x.json: /engine/timeout_s: expected a positive number, got 0"},
      {R"({"plugins": []})", "/etc/x.json: /plugins: expected an object, got array"},
      {R"({"plugins": {"gvisor": "runsc"}})", "/etc/x.json: /plugins/gvisor: expected an object, got string"},
      {R"({"plugins": {"Not/An/Id": {}}})",
       "/etc/x.json: /plugins/Not~1An~1Id: expected a plugin id ([a-z0-9][a-z0-9-]*) as the key"},
      {R"({"bench": true})", "/etc/x.json: /bench: expected an object, got boolean"},
      {R"({"allowed_bind_roots": [null]})", "/etc/x.json: /allowed_bind_roots/0: expected a string, got null"},
  };
  for (const auto& c : cases) {
    const auto [kind, msg] = error_of(c.text);
    EXPECT_EQ(kind, ConfigError::Kind::invalid) << c.text;
    EXPECT_EQ(msg, c.message) << c.text;
  }
}

TEST(ConfigParse, UnknownKeysWarnButDoNotFail) {
  std::vector<std::string> warnings;
  parse(R"({"colour": "blue", "engine": {"sockets": "/x"}})", &warnings);
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_EQ(warnings[0], "/etc/x.json: /colour: unknown key, ignored");
  EXPECT_EQ(warnings[1], "/etc/x.json: /engine/sockets: unknown key, ignored");
}

TEST(ConfigMerge, LaterFileWinsKeyByKeyAndObjectsMerge) {
  const Config c = from({
      R"({"default_runtime": "runc", "plugin_dirs": ["/a"], "engine": {"socket": "/s1", "timeout_s": 5},
          "plugins": {"gvisor": {"x": 1, "y": 2}, "kata": {"k": true}}})",
      R"({"plugin_dirs": ["/b"], "engine": {"timeout_s": 9}, "plugins": {"gvisor": {"y": 3}}})",
  });
  EXPECT_EQ(c.default_runtime, "runc");
  ASSERT_EQ(c.plugin_dirs.size(), 1U);  // arrays replace, they do not append
  EXPECT_EQ(c.plugin_dirs[0], fs::path("/b"));
  EXPECT_EQ(c.engine.socket.value(), "/s1");
  EXPECT_DOUBLE_EQ(c.engine.timeout_s.value(), 9);
  EXPECT_EQ(c.plugins["gvisor"], json({{"x", 1}, {"y", 3}}));
  EXPECT_EQ(c.plugins["kata"], json({{"k", true}}));
  ASSERT_EQ(c.sources.size(), 2U);
  EXPECT_EQ(c.sources[1], fs::path("/f1"));
}

TEST(ConfigPluginSection, GivesTheSectionPlusEngineSettings) {
  Config c = from({R"({"plugins": {"gvisor": {"runtime_name": "runsc"}}})"});
  EXPECT_EQ(c.plugin_config("gvisor"), json({{"runtime_name", "runsc"}}));
  EXPECT_EQ(c.plugin_config("nosuch"), json::object());

  c = from({R"({"engine": {"socket": "/run/d.sock"}, "plugins": {"gvisor": {"runtime_name": "runsc"},
              "runc": {"engine": {"socket": "/own.sock"}}}})"});
  EXPECT_EQ(c.plugin_config("gvisor"), json({{"runtime_name", "runsc"}, {"engine", {{"socket", "/run/d.sock"}}}}));
  EXPECT_EQ(c.plugin_config("host"), json({{"engine", {{"socket", "/run/d.sock"}}}}));
  // A plugin's own engine section is left alone.
  EXPECT_EQ(c.plugin_config("runc"), json({{"engine", {{"socket", "/own.sock"}}}}));
}

TEST(ConfigLookup, DefaultFilesFollowXdg) {
  using moat::core::default_config_files;
  EXPECT_EQ(default_config_files("/x", "/home/u"),
            (std::vector<fs::path>{"/etc/moat/config.json", "/x/moat/config.json"}));
  EXPECT_EQ(default_config_files(nullptr, "/home/u"),
            (std::vector<fs::path>{"/etc/moat/config.json", "/home/u/.config/moat/config.json"}));
  EXPECT_EQ(default_config_files("", "/home/u"),
            (std::vector<fs::path>{"/etc/moat/config.json", "/home/u/.config/moat/config.json"}));
  // A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
  EXPECT_EQ(default_config_files("rel", "/home/u"),
            (std::vector<fs::path>{"/etc/moat/config.json", "/home/u/.config/moat/config.json"}));
  EXPECT_EQ(default_config_files(nullptr, nullptr), (std::vector<fs::path>{"/etc/moat/config.json"}));
}

TEST(ConfigLoad, MissingDefaultFilesAreSkippedAndLaterWins) {
  TempDir dir;
  const fs::path system = dir.write("etc/config.json", R"({"default_runtime": "runc", "plugin_dirs": ["/p"]})");
  const fs::path user = dir.write("user/config.json", R"({"default_runtime": "gvisor"})");
  const Config c = moat::core::load_config(std::nullopt, {system, dir.path() / "absent.json", user});
  EXPECT_EQ(c.default_runtime, "gvisor");
  ASSERT_EQ(c.plugin_dirs.size(), 1U);
  EXPECT_EQ(c.sources, (std::vector<fs::path>{system, user}));

  const Config none = moat::core::load_config(std::nullopt, {dir.path() / "absent.json"});
  EXPECT_EQ(none.default_runtime, "sysbox");
  EXPECT_TRUE(none.sources.empty());
}

TEST(ConfigLoad, ExplicitFileIsTheOnlyOneAndMustExist) {
  TempDir dir;
  const fs::path system = dir.write("system.json", R"({"default_runtime": "runc"})");
  const fs::path mine = dir.write("mine.json", R"({"plugin_dirs": ["/mine"]})");
  const Config c = moat::core::load_config(mine, {system});
  EXPECT_EQ(c.default_runtime, "sysbox");  // the default file was not read
  EXPECT_EQ(c.sources, std::vector<fs::path>{mine});

  try {
    (void)moat::core::load_config(dir.path() / "nope.json", {});
    FAIL() << "no error for a missing explicit file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ConfigError::Kind::not_found);
    EXPECT_EQ(std::string(e.what()), (dir.path() / "nope.json").string() + ": no such file");
  }
}

TEST(ConfigLoad, ADirectoryOrABrokenDefaultFileIsAnError) {
  TempDir dir;
  fs::create_directories(dir.path() / "d.json");
  try {
    (void)moat::core::load_config(dir.path() / "d.json", {});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ConfigError::Kind::unreadable);
  }
  // A default file that exists but is broken is not silently skipped.
  const fs::path bad = dir.write("bad.json", R"({"engine": 1})");
  try {
    (void)moat::core::load_config(std::nullopt, {bad});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ConfigError::Kind::invalid);
    EXPECT_EQ(std::string(e.what()), bad.string() + ": /engine: expected an object, got number");
  }
}

TEST(ConfigLoad, WarningsNameTheFile) {
  TempDir dir;
  const fs::path f = dir.write("c.json", R"({"nonsense": 1})");
  const Config c = moat::core::load_config(f, {});
  ASSERT_EQ(c.warnings.size(), 1U);
  EXPECT_EQ(c.warnings[0], f.string() + ": /nonsense: unknown key, ignored");
}

}  // namespace

TEST(PluginHostConfig, DefaultsAreTheDocumentedOnes) {
  const Config c = from({"{}"});
  EXPECT_EQ(c.plugin_host.deadlines.probe, std::chrono::milliseconds(15'000));
  EXPECT_EQ(c.plugin_host.deadlines.describe, std::chrono::milliseconds(5'000));
  EXPECT_EQ(c.plugin_host.deadlines.lifecycle, std::chrono::milliseconds(120'000));
  EXPECT_EQ(c.plugin_host.deadlines.exec_margin, std::chrono::milliseconds(30'000));
  EXPECT_EQ(c.plugin_host.deadlines.interrupt_grace, std::chrono::milliseconds(1'000));
  EXPECT_EQ(c.plugin_host.max_answer_bytes, std::uint64_t{64} << 20);
  EXPECT_TRUE(c.plugin_host.isolation.empty());
  // An exec's deadline is its own timeout plus the margin; without one, the lifecycle's.
  EXPECT_EQ(c.plugin_host.deadlines.for_op("sandbox_exec", 2.5), std::chrono::milliseconds(32'500));
  EXPECT_EQ(c.plugin_host.deadlines.for_op("sandbox_exec", 0), std::chrono::milliseconds(120'000));
  EXPECT_EQ(c.plugin_host.deadlines.for_op("create"), std::chrono::milliseconds(15'000));
}

TEST(PluginHostConfig, EveryKeyIsReadAndLaterFilesWin) {
  const Config c = from({R"({"plugin_host": {"isolation": {"runc": "process", "mine": "in-process"},
                                             "deadlines": {"probe_s": 2, "interrupt_grace_s": 0.25},
                                             "max_answer_bytes": 4096}})",
                         R"({"plugin_host": {"isolation": {"runc": "in-process"}, "deadlines": {"open_s": 3}}})"});
  EXPECT_EQ(c.plugin_host.isolation.at("runc"), moat::core::Isolation::in_process);
  EXPECT_EQ(c.plugin_host.isolation.at("mine"), moat::core::Isolation::in_process);
  EXPECT_EQ(c.plugin_host.deadlines.probe, std::chrono::milliseconds(2'000));
  EXPECT_EQ(c.plugin_host.deadlines.open, std::chrono::milliseconds(3'000));
  EXPECT_EQ(c.plugin_host.deadlines.interrupt_grace, std::chrono::milliseconds(250));
  EXPECT_EQ(c.plugin_host.max_answer_bytes, 4096U);
}

TEST(PluginHostConfig, BadValuesAreOneLineWithThePointer) {
  EXPECT_EQ(error_of(R"({"plugin_host": {"isolation": {"runc": "vm"}}})").second,
            "/etc/x.json: /plugin_host/isolation/runc: expected \"process\" or \"in-process\", got \"vm\"");
  EXPECT_EQ(error_of(R"({"plugin_host": {"deadlines": {"probe_s": 0}}})").second,
            "/etc/x.json: /plugin_host/deadlines/probe_s: expected seconds in (0, 86400], got 0");
  EXPECT_EQ(error_of(R"({"plugin_host": {"deadlines": {"probe_s": "5"}}})").second,
            "/etc/x.json: /plugin_host/deadlines/probe_s: expected a number of seconds, got string");
  EXPECT_EQ(error_of(R"({"plugin_host": {"max_answer_bytes": 10}})").second,
            "/etc/x.json: /plugin_host/max_answer_bytes: expected a number of bytes >= 1024, got 10");
  std::vector<std::string> warnings;
  parse(R"({"plugin_host": {"deadlines": {"nap_s": 1}}})", &warnings);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings.front(), "/etc/x.json: /plugin_host/deadlines/nap_s: unknown key, ignored");
}
