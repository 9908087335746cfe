// `moat plugins list|info|check` and `moat runtimes` against the fixture
// plugins (tests/fixtures): the real binary, run as a child, in a private
// install tree so only the plugins a test names are found.
#include "run_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include <unistd.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using moat::test::ProcessResult;
using moat::test::RunOptions;

std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + " signal " + std::to_string(r.signal) + "\n--- stdout ---\n" + r.out +
         "--- stderr ---\n" + r.err;
}

// The fixture folders and the status each file must get.
struct FixtureCase {
  const char* dir;
  const char* file;
  const char* status;
};
const FixtureCase kFixtures[] = {
    {MOAT_FIXTURE_GOOD_DIR, MOAT_FIXTURE_GOOD, "ok"},
    {MOAT_FIXTURE_NO_ENTRY_DIR, MOAT_FIXTURE_NO_ENTRY, "missing_entry"},
    {MOAT_FIXTURE_ABI_MAJOR_DIR, MOAT_FIXTURE_ABI_MAJOR, "abi_mismatch"},
    {MOAT_FIXTURE_ABI_MINOR_DIR, MOAT_FIXTURE_ABI_MINOR, "abi_mismatch"},
    {MOAT_FIXTURE_SHORT_STRUCT_DIR, MOAT_FIXTURE_SHORT_STRUCT, "invalid_descriptor"},
    {MOAT_FIXTURE_MISSING_FUNCTION_DIR, MOAT_FIXTURE_MISSING_FUNCTION, "invalid_descriptor"},
    {MOAT_FIXTURE_BAD_ID_DIR, MOAT_FIXTURE_BAD_ID, "invalid_descriptor"},
    {MOAT_FIXTURE_UNDEFINED_SYMBOL_DIR, MOAT_FIXTURE_UNDEFINED_SYMBOL, "dlopen_failed"},
    {MOAT_FIXTURE_THROWS_IN_CREATE_DIR, MOAT_FIXTURE_THROWS_IN_CREATE, "create_failed"},
    {MOAT_FIXTURE_SEGFAULT_DIR, MOAT_FIXTURE_SEGFAULT, "crashed"},
    {MOAT_FIXTURE_ABORT_DIR, MOAT_FIXTURE_ABORT, "crashed"},
    {MOAT_FIXTURE_HANG_DIR, MOAT_FIXTURE_HANG, "timeout"},
    {MOAT_FIXTURE_EXITS_DIR, MOAT_FIXTURE_EXITS, "dlopen_failed"},
    {MOAT_FIXTURE_MALFORMED_JSON_DIR, MOAT_FIXTURE_MALFORMED_JSON, "describe_failed"},
};

// A private copy of the install layout: <tmp>/bin/moat, <tmp>/lib/moat/
// moat-plugin-examiner and an empty <tmp>/lib/moat/plugins (the built-in dir),
// plus private HOME/XDG dirs. moat finds its parts relative to its own
// executable, so this also tests that a relocated install works.
class MoatPlugins : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/moat-cli-plugins-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    for (const char* d : {"bin", "lib/moat/plugins", "home", "config", "cache"}) fs::create_directories(root_ / d);
    fs::copy_file(MOAT_BINARY, root_ / "bin/moat");
    fs::copy_file(MOAT_EXAMINER, root_ / "lib/moat/moat-plugin-examiner");
    fs::copy_file(MOAT_BROKER, root_ / "lib/moat/moat-plugin-broker");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  fs::path builtin_dir() const { return root_ / "lib/moat/plugins"; }
  fs::path cache_file() const { return root_ / "cache/moat/plugin-cache.json"; }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::path p = root_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  // Copies a plugin file into `dir` (created), mode 0755.
  fs::path copy_plugin(const fs::path& from, const fs::path& dir) const {
    fs::create_directories(dir);
    fs::path to = dir / from.filename();
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::permissions(to, fs::perms(0755));
    return to;
  }

  ProcessResult moat(std::vector<std::string> args, RunOptions options = {}) const {
    args.insert(args.begin(), (root_ / "bin/moat").string());
    options.env.emplace("HOME", (root_ / "home").string());
    options.env.emplace("XDG_CONFIG_HOME", (root_ / "config").string());
    options.env.emplace("XDG_CACHE_HOME", (root_ / "cache").string());
    options.env.emplace("MOAT_PLUGIN_PATH", std::nullopt);
    options.env.emplace("NO_COLOR", std::nullopt);
    return moat::test::run_process(args, options);
  }

  // Parses stdout as the one JSON document -o json promises.
  static json document(const ProcessResult& r) {
    json j;
    try {
      j = json::parse(r.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << "stdout is not one JSON document: " << e.what() << "\n" << describe(r);
      return json::object();
    }
    EXPECT_EQ(j.value("schema_version", 0), 1) << r.out;
    return j;
  }

  static const json* record_for(const json& plugins, const fs::path& file) {
    for (const auto& p : plugins)
      if (p.value("path", "") == file.string()) return &p;
    return nullptr;
  }

  fs::path root_;
};

TEST_F(MoatPlugins, ListShowsEveryFixtureWithItsStatusAndStillExitsZero) {
  std::vector<std::string> args{"-o", "json", "plugins", "list"};
  for (const auto& f : kFixtures) {
    args.emplace_back("--plugin-path");
    args.emplace_back(f.dir);
  }
  const auto r = moat(args);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json j = document(r);
  ASSERT_TRUE(j["plugins"].is_array()) << r.out;
  EXPECT_EQ(j["plugins"].size(), std::size(kFixtures)) << r.out;
  for (const auto& f : kFixtures) {
    const json* rec = record_for(j["plugins"], f.file);
    ASSERT_NE(rec, nullptr) << f.file << " not listed";
    EXPECT_EQ((*rec)["status"], f.status) << rec->dump();
    if (std::string(f.status) != "ok") {
      EXPECT_FALSE((*rec)["reason"].get<std::string>().empty()) << rec->dump();
    }
  }
  // The search order is reported, --plugin-path first, built-in dir last.
  ASSERT_FALSE(j["search_dirs"].empty());
  EXPECT_EQ(j["search_dirs"][0], kFixtures[0].dir);
  EXPECT_EQ(j["search_dirs"].back(), builtin_dir().string());
  EXPECT_EQ(j["cache_file"], cache_file().string());
}

TEST_F(MoatPlugins, ListTableNamesFailuresAndQuietPrintsUsableIds) {
  const std::vector<std::string> dirs{"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "--plugin-path",
                                      MOAT_FIXTURE_SEGFAULT_DIR};
  auto args = dirs;
  args.insert(args.end(), {"plugins", "list"});
  const auto r = moat(args);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("ID ", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("good"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("crashed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Segmentation fault"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "colour on a pipe";

  args = dirs;
  args.insert(args.end(), {"plugins", "list", "-q"});
  EXPECT_EQ(moat(args).out, "good\n");
}

TEST_F(MoatPlugins, VerdictsAreCachedInXdgCacheHome) {
  const auto first = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json", "plugins", "list"});
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  EXPECT_EQ(document(first)["plugins"][0]["cached"], false);
  EXPECT_TRUE(fs::exists(cache_file()));
  const auto second = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json", "plugins", "list"});
  EXPECT_EQ(document(second)["plugins"][0]["cached"], true) << second.out;
}

TEST_F(MoatPlugins, SearchOrderIsCliThenEnvThenConfigThenBuiltin) {
  const fs::path a = copy_plugin(MOAT_FIXTURE_GOOD, root_ / "a");
  const fs::path b = copy_plugin(MOAT_FIXTURE_GOOD, root_ / "b");
  const fs::path c = copy_plugin(MOAT_FIXTURE_GOOD, root_ / "c");
  const fs::path d = copy_plugin(MOAT_FIXTURE_GOOD, builtin_dir());
  const fs::path cfg = write("cfg.json", json({{"plugin_dirs", {c.parent_path().string()}}}).dump());

  RunOptions env;
  env.env.emplace("MOAT_PLUGIN_PATH", b.parent_path().string());
  auto r =
      moat({"--config", cfg.string(), "--plugin-path", a.parent_path().string(), "-o", "json", "plugins", "list"}, env);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  json j = document(r);
  // A file shadows one of the same name later in the search path (as PATH does).
  ASSERT_EQ(j["plugins"].size(), 1U) << r.out;
  EXPECT_EQ(j["plugins"][0]["path"], a.string()) << r.out;
  EXPECT_EQ(j["search_dirs"], json({a.parent_path().string(), b.parent_path().string(), c.parent_path().string(),
                                    builtin_dir().string()}));

  // Without the others, env beats config beats built-in.
  r = moat({"--config", cfg.string(), "-o", "json", "plugins", "list"}, env);
  EXPECT_EQ(document(r)["plugins"][0]["path"], b.string()) << r.out;
  r = moat({"--config", cfg.string(), "-o", "json", "plugins", "list"});
  EXPECT_EQ(document(r)["plugins"][0]["path"], c.string()) << r.out;
  r = moat({"-o", "json", "plugins", "list"});
  EXPECT_EQ(document(r)["plugins"][0]["path"], d.string()) << r.out;

  // Two files with one id: the first keeps it, the second is a duplicate.
  const fs::path twin_dir = fs::path(MOAT_FIXTURE_TWIN_A).parent_path();
  r = moat({"--plugin-path", twin_dir.string(), "-o", "json", "plugins", "list"});
  j = document(r);
  ASSERT_NE(record_for(j["plugins"], MOAT_FIXTURE_TWIN_A), nullptr) << r.out;
  ASSERT_NE(record_for(j["plugins"], MOAT_FIXTURE_TWIN_B), nullptr) << r.out;
  EXPECT_EQ((*record_for(j["plugins"], MOAT_FIXTURE_TWIN_A))["status"], "ok") << r.out;
  EXPECT_EQ((*record_for(j["plugins"], MOAT_FIXTURE_TWIN_B))["status"], "duplicate_id") << r.out;
}

TEST_F(MoatPlugins, CheckExitsOneForEveryBrokenFixtureAndZeroForTheGoodOne) {
  for (const auto& f : kFixtures) {
    const auto r = moat({"-o", "json", "plugins", "check", f.file});
    const bool good = std::string(f.status) == "ok";
    EXPECT_EQ(r.exit_code, good ? 0 : 1) << f.file << "\n" << describe(r);
    const json j = document(r);
    EXPECT_EQ(j["ok"], good) << r.out;
    ASSERT_EQ(j["plugins"].size(), 1U) << r.out;
    EXPECT_EQ(j["plugins"][0]["status"], f.status) << r.out;
  }
}

TEST_F(MoatPlugins, CheckWithoutFilesExaminesTheSearchPathAfresh) {
  auto r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "plugins", "check"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("1 checked, 0 failed"), std::string::npos) << r.out;
  // A cached verdict is not trusted: the check examines again.
  (void)moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "plugins", "list"});
  r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json", "plugins", "check"});
  EXPECT_EQ(document(r)["plugins"][0]["cached"], false) << r.out;

  r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "--plugin-path", MOAT_FIXTURE_ABORT_DIR, "plugins", "check"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("2 checked, 1 failed"), std::string::npos) << r.out;
  r = moat({"--plugin-path", MOAT_FIXTURE_ABORT_DIR, "-q", "plugins", "check"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(MoatPlugins, CheckRefusesAWorldWritablePlugin) {
  const fs::path p = copy_plugin(MOAT_FIXTURE_GOOD, root_ / "unsafe");
  fs::permissions(p, fs::perms(0777));
  const auto r = moat({"-o", "json", "plugins", "check", p.string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(document(r)["plugins"][0]["status"], "unsafe_permissions") << r.out;
}

TEST_F(MoatPlugins, InfoShowsDescriptorOperationsAndCapabilities) {
  auto r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "plugins", "info", "good"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const char* s :
       {"id:", "good", "1.2.3", "A well-behaved fixture plugin", "sandbox_start", "isolation:", "none", "test fixture"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;

  r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json", "plugins", "info", "good"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json j = document(r);
  EXPECT_EQ(j["plugin"]["id"], "good");
  EXPECT_EQ(j["plugin"]["capabilities"]["isolation"], "none");
  EXPECT_EQ(j["plugin"]["capabilities"]["bind_mounts"], true);
  const auto ops = j["plugin"]["operations"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(ops.begin(), ops.end(), "sandbox_exec"), ops.end()) << j.dump();
}

TEST_F(MoatPlugins, InfoOnAnUnknownIdIsExit69AndNamesTheKnownIds) {
  const auto r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "--plugin-path", MOAT_FIXTURE_THROWS_IN_CREATE_DIR, "-o",
                       "json", "plugins", "info", "nosuch"});
  EXPECT_EQ(r.exit_code, 69) << describe(r);
  EXPECT_EQ(r.err, "moat: no plugin with id 'nosuch' (known: good, throws-in-create)\n");
  EXPECT_TRUE(r.out.empty()) << "errors never go to stdout, even with -o json: " << r.out;
}

TEST_F(MoatPlugins, InfoOnAQuarantinedPluginShowsWhyAndExits69) {
  const auto r = moat({"--plugin-path", MOAT_FIXTURE_THROWS_IN_CREATE_DIR, "plugins", "info", "throws-in-create"});
  EXPECT_EQ(r.exit_code, 69) << describe(r);
  EXPECT_NE(r.out.find("create_failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cannot reach the frobnicator service"), std::string::npos) << r.out;
}

TEST_F(MoatPlugins, RuntimesProbesEachPluginAndSurvivesBrokenOnes) {
  const auto r = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "--plugin-path", MOAT_FIXTURE_THROWS_IN_CREATE_DIR,
                       "--plugin-path", MOAT_FIXTURE_SEGFAULT_DIR, "-o", "json", "runtimes"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json j = document(r);
  EXPECT_EQ(j["default_runtime"], "sysbox");
  std::map<std::string, json> by_id;
  for (const auto& rt : j["runtimes"]) by_id[rt["id"].get<std::string>()] = rt;
  ASSERT_TRUE(by_id.count("good")) << r.out;
  EXPECT_EQ(by_id["good"]["available"], true);
  EXPECT_EQ(by_id["good"]["version"], "1.2.3");
  EXPECT_EQ(by_id["good"]["capabilities"]["isolation"], "none");
  ASSERT_TRUE(by_id.count("throws-in-create")) << r.out;
  EXPECT_EQ(by_id["throws-in-create"]["available"], false);
  EXPECT_NE(by_id["throws-in-create"]["reason"].get<std::string>().find("create_failed"), std::string::npos);
  // The segfaulting plugin died before telling its id: it has no runtime
  // row (plugins list shows it), and the others were not affected.
  EXPECT_EQ(j["runtimes"].size(), 2U) << r.out;

  const auto t = moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "runtimes"});
  EXPECT_EQ(t.exit_code, 0) << describe(t);
  EXPECT_NE(t.out.find("good  "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("yes"), std::string::npos) << t.out;
  EXPECT_EQ(moat({"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-q", "runtimes"}).out, "good\n");
}

TEST_F(MoatPlugins, EachPluginGetsItsConfigSection) {
  const fs::path cfg = write("refuse.json", R"({"default_runtime": "good", "plugins": {"good": {"refuse": true}}})");
  auto r = moat({"--config", cfg.string(), "--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json", "runtimes"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  json j = document(r);
  EXPECT_EQ(j["default_runtime"], "good");
  ASSERT_EQ(j["runtimes"].size(), 1U) << r.out;
  EXPECT_EQ(j["runtimes"][0]["available"], false);
  EXPECT_EQ(j["runtimes"][0]["default"], true);
  EXPECT_NE(j["runtimes"][0]["reason"].get<std::string>().find("refused by its configuration"), std::string::npos)
      << r.out;

  r = moat({"--config", cfg.string(), "--plugin-path", MOAT_FIXTURE_GOOD_DIR, "plugins", "info", "good"});
  EXPECT_EQ(r.exit_code, 69) << describe(r);
  EXPECT_NE(r.out.find("refused by its configuration"), std::string::npos) << r.out;
}

TEST_F(MoatPlugins, ColourOnlyOnATerminalAndNeverWithNoColor) {
  RunOptions tty;
  tty.stdout_is_tty = true;
  const std::vector<std::string> list{"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "plugins", "list"};
  EXPECT_NE(moat(list, tty).out.find("\x1b["), std::string::npos) << "no colour on a terminal";

  RunOptions no_color = tty;
  no_color.env.emplace("NO_COLOR", "1");
  EXPECT_EQ(moat(list, no_color).out.find('\x1b'), std::string::npos) << "NO_COLOR ignored";

  auto flag = list;
  flag.emplace_back("--no-color");
  EXPECT_EQ(moat(flag, tty).out.find('\x1b'), std::string::npos) << "--no-color ignored";

  auto json_out = list;
  json_out.insert(json_out.begin(), {"-o", "json"});
  EXPECT_EQ(moat(json_out, tty).out.find('\x1b'), std::string::npos) << "colour in JSON";
}

TEST_F(MoatPlugins, EveryResultCommandPrintsOneJsonDocument) {
  const std::vector<std::vector<std::string>> commands{
      {"version"}, {"plugins", "list"}, {"plugins", "info", "good"}, {"plugins", "check"}, {"runtimes"}};
  for (const auto& c : commands) {
    std::vector<std::string> args{"--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json"};
    args.insert(args.end(), c.begin(), c.end());
    const auto r = moat(args);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(document(r).is_object());
  }
}

// Children of `pid`, from /proc (the probe helper moat starts).
// A child of `pid`, named `comm` when given (as /proc shows it: at most 15
// characters); 0 when there is none.
int child_of(int pid, const std::string& comm = {}) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so parse after ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    const auto open = line.find('(');
    if (ppid == pid && (comm.empty() || line.substr(open + 1, close - open - 1) == comm))
      return std::atoi(e.path().filename().c_str());
  }
  return 0;
}

bool has_child(int pid, const std::string& comm = {}) { return child_of(pid, comm) != 0; }

TEST_F(MoatPlugins, SigintStopsALongCommandWithExit130) {
  RunOptions o;
  o.on_started = [](int pid) {
    // Wait until moat is examining the hanging plugin (so its handlers are
    // installed), then interrupt it. The deadline only guards a broken run.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!has_child(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::kill(pid, SIGINT);
  };
  const auto r = moat({"plugins", "check", MOAT_FIXTURE_HANG}, o);
  EXPECT_EQ(r.exit_code, 130) << describe(r);
  EXPECT_NE(r.err.find("moat: interrupted"), std::string::npos) << r.err;
}

// ---- a plugin that passed examination misbehaves at run time ----
// (the misbehave fixture, in a broker: it is not one of moat's own plugins)

// A configuration that makes misbehave's probe do `how`, with a probe deadline of `probe_s`.
std::string misbehave_config(const std::string& how, double probe_s) {
  return json{{"plugins", {{"misbehave", {{"probe", how}}}}}, {"plugin_host", {{"deadlines", {{"probe_s", probe_s}}}}}}
      .dump();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST_F(MoatPlugins, RuntimesListsEveryOtherRuntimeWhenOnePluginHangsCrashesOrExits) {
  const std::map<std::string, std::string> says = {
      {"hang", "did not answer probe within 2 s"},
      {"segv", "crashed in probe: its process was killed by signal 11 (Segmentation fault)"},
      {"abort", "crashed in probe: its process was killed by signal 6 (Aborted)"},
      {"exit0", "ended its process with exit status 0 in probe"}};
  for (const auto& [how, expected] : says) {
    const auto config = write("misbehave-" + how + ".json", misbehave_config(how, 2));
    const auto started = std::chrono::steady_clock::now();
    const auto r = moat({"--config", config.string(), "--plugin-path", MOAT_FIXTURE_GOOD_DIR, "--plugin-path",
                         MOAT_FIXTURE_MISBEHAVE_DIR, "-o", "json", "runtimes"});
    const double took = seconds_since(started);
    // A runtime that cannot answer is part of the report, not a failure of it.
    ASSERT_EQ(r.exit_code, 0) << how << ": " << describe(r);
    const json j = document(r);
    std::map<std::string, json> by_id;
    for (const auto& rt : j["runtimes"]) by_id[rt["id"].get<std::string>()] = rt;
    ASSERT_EQ(by_id.size(), 2U) << how << ": " << r.out;
    EXPECT_EQ(by_id["good"]["available"], true) << how;
    EXPECT_EQ(by_id["misbehave"]["available"], false) << how;
    const auto reason = by_id["misbehave"]["reason"].get<std::string>();
    EXPECT_NE(reason.find("plugin 'misbehave' "), std::string::npos) << reason;
    EXPECT_NE(reason.find(expected), std::string::npos) << how << ": " << reason;
    // Not a performance check: a hang must cost the probe deadline, not more.
    if (how == "hang") EXPECT_LT(took, 2.0 + 3.0) << "took " << took << " s";
  }
}

TEST_F(MoatPlugins, MatrixAndBenchWithoutRuntimesFinishWhenOnePluginHangs) {
  const auto config = write("hang.json", misbehave_config("hang", 2));
  const std::vector<std::string> plugins = {
      "--config", config.string(), "--plugin-path", MOAT_FIXTURE_GOOD_DIR, "--plugin-path", MOAT_FIXTURE_MISBEHAVE_DIR};
  auto args = plugins;
  for (const char* a : {"-o", "json", "matrix"}) args.emplace_back(a);
  auto started = std::chrono::steady_clock::now();
  const auto m = moat(args);
  EXPECT_LT(seconds_since(started), 2.0 + 20.0);  // the probe deadline, and the good plugin's checks
  ASSERT_EQ(m.exit_code, 0) << describe(m);
  const json report = document(m);
  std::map<std::string, json> by_id;
  for (const auto& rt : report["runtimes"]) by_id[rt["id"].get<std::string>()] = rt;
  EXPECT_EQ(by_id["good"]["available"], true) << m.out;
  EXPECT_EQ(by_id["misbehave"]["available"], false) << m.out;
  EXPECT_NE(by_id["misbehave"]["reason"].get<std::string>().find("did not answer probe within 2 s"), std::string::npos)
      << by_id["misbehave"];

  args = plugins;
  for (const char* a : {"bench", "--suite", "boot", "--out"}) args.emplace_back(a);
  args.push_back((root_ / "bench").string());
  started = std::chrono::steady_clock::now();
  const auto b = moat(args);
  EXPECT_LT(seconds_since(started), 2.0 + 20.0);
  EXPECT_EQ(b.exit_code, 0) << describe(b);
  EXPECT_TRUE(fs::exists(root_ / "bench/results.json")) << describe(b);
}

TEST_F(MoatPlugins, SigtermWhileAPluginCallHangsEndsMoatWithin2sNamingThePluginAndTheCall) {
  const auto config = write("hang.json", misbehave_config("hang", 600));
  std::chrono::steady_clock::time_point signalled{};
  RunOptions o;
  o.on_started = [&signalled](int pid) {
    // Wait until the broker runs the probe, then stop moat as a service manager would.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!has_child(pid, "moat-plugin-bro") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    signalled = std::chrono::steady_clock::now();
    ::kill(pid, SIGTERM);
  };
  const auto r = moat({"--config", config.string(), "--plugin-path", MOAT_FIXTURE_MISBEHAVE_DIR, "runtimes"}, o);
  const double took = seconds_since(signalled);
  EXPECT_EQ(r.exit_code, 130) << describe(r);
  EXPECT_LT(took, 2.0) << describe(r);
  EXPECT_NE(r.err.find("interrupted: plugin 'misbehave' was still in probe"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("its process was killed"), std::string::npos) << r.err;
}

TEST_F(MoatPlugins, ABrokerWhoseMoatIsKilledOutrightEndsToo) {
  const auto config = write("hang.json", misbehave_config("hang", 600));
  int broker = 0;
  RunOptions o;
  o.on_started = [&broker](int pid) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((broker = child_of(pid, "moat-plugin-bro")) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::kill(pid, SIGKILL);
  };
  const auto r = moat({"--config", config.string(), "--plugin-path", MOAT_FIXTURE_MISBEHAVE_DIR, "runtimes"}, o);
  EXPECT_EQ(r.signal, SIGKILL) << describe(r);
  ASSERT_NE(broker, 0);
  // Its hung call does not keep it alive: it notices moat is gone.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (::kill(broker, 0) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(::kill(broker, 0), 0) << "broker " << broker << " outlived moat";
}

// gc goes through the plugins: a plugin that keeps things outside any Docker
// engine (here the good fixture, in a broker) has its leftovers listed and
// removed through it, by the same scope rules, and each object once even
// when two listings name it.
TEST_F(MoatPlugins, GcSweepsAThirdPartyPluginsObjectsThroughThePlugin) {
  const auto removed = root_ / "removed.txt";
  const json run = {{"moat.managed", "true"}, {"moat.run-id", "r1"}};
  const json users = {{"moat.managed", "true"}};
  const json managed = json::array(
      {{{"store", "good"}, {"kind", "sandbox"}, {"id", "s1"}, {"name", "s1"}, {"labels", run}},
       {{"store", "good"}, {"kind", "sandbox"}, {"id", "s1"}, {"name", "s1"}, {"labels", run}},  // listed twice
       {{"store", "good"}, {"kind", "sandbox"}, {"id", "alice"}, {"name", "alice"}, {"labels", users}},
       {{"store", "good"},
        {"kind", "volume"},
        {"id", "v-alice"},
        {"name", "v-alice"},
        {"labels", {{"moat.managed", "true"}, {"moat.sandbox", "alice"}}}},
       {{"store", "good"},
        {"kind", "volume"},
        {"id", "v-gone"},
        {"name", "v-gone"},
        {"labels", {{"moat.managed", "true"}, {"moat.sandbox", "gone"}}}},
       {{"store", "good"}, {"kind", "network"}, {"id", "n1"}, {"name", "n1"}, {"labels", run}}});
  const auto config = write(
      "gc.json", json{{"plugins", {{"good", {{"managed", managed}, {"removed_file", removed.string()}}}}}}.dump());
  RunOptions o;
  o.env.emplace("MOAT_STATE_DIR", (root_ / "state").string());
  const auto r = moat({"--config", config.string(), "--plugin-path", MOAT_FIXTURE_GOOD_DIR, "-o", "json", "gc"}, o);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json g = document(r);
  EXPECT_EQ(g["counts"]["sandboxes"], 1) << r.out;
  EXPECT_EQ(g["counts"]["volumes"], 1) << r.out;
  EXPECT_EQ(g["counts"]["networks"], 1) << r.out;
  std::ifstream in(removed);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The run's sandbox and network, and the volume of a sandbox that is gone;
  // the user's sandbox and its volume stay.
  EXPECT_EQ(text, "sandbox s1\nvolume v-gone\nnetwork n1\n");
}

TEST_F(MoatPlugins, ACrashInTheCallAskedForIsExit70WithOneLine) {
  const auto config = write("crash.json", json{{"plugins", {{"misbehave", {{"sandbox_create", "segv"}}}}}}.dump());
  RunOptions o;
  o.env.emplace("MOAT_STATE_DIR", (root_ / "state").string());
  const auto r = moat({"--config", config.string(), "--plugin-path", MOAT_FIXTURE_MISBEHAVE_DIR, "sandbox", "create",
                       "mx-crash", "--runtime", "misbehave", "--image", "moat/base:busybox"},
                      o);
  EXPECT_EQ(r.exit_code, 70) << describe(r);
  // One line: the crash first; then, since the plugin cannot remove what it
  // may have made, that 'moat gc' will.
  EXPECT_EQ(r.err.rfind("moat: plugin 'misbehave' crashed in sandbox_create: its process was killed by signal 11 "
                        "(Segmentation fault)",
                        0),
            0U)
      << describe(r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << describe(r);
}

}  // namespace
