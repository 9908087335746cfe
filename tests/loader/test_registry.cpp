// The registry across fixtures: identity of a good plugin, the verdict cache,
// duplicate ids, unsafe files, open() and calls into a loaded plugin, and all
// fixtures in one folder at once.
#include <moat/core/host_api.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/error.hpp>

#include "support.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace moat::core {
namespace {

using test::copy_plugin;
using test::error_of;
using test::options_for;
using test::TempDir;
namespace fs = std::filesystem;

const PluginRecord& only(const PluginRegistry& r) {
  EXPECT_EQ(r.records().size(), 1u);
  return r.records().front();
}

TEST(Registry, GoodPluginIdentityAndOperations) {
  PluginRegistry registry(options_for({MOAT_FIXTURE_GOOD_DIR}));
  registry.discover();
  const auto& r = only(registry);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.id, "good");
  EXPECT_EQ(r.version, "1.2.3");
  EXPECT_EQ(r.description, "A well-behaved fixture plugin");
  EXPECT_NE(r.build_info.find("moat-sdk"), std::string::npos) << r.build_info;
  EXPECT_EQ(r.abi_major, static_cast<uint32_t>(MOAT_ABI_MAJOR));
  // Built against the 1.1 SDK and using 1.1's managed_* slots, it still
  // needs no newer host than 1.0: those slots are optional.
  EXPECT_EQ(r.abi_minor, 0u);
  EXPECT_EQ(r.operations, (std::vector<std::string>{"sandbox_start", "sandbox_exec", "sandbox_list", "managed_list",
                                                    "managed_remove"}));
  EXPECT_EQ(registry.find("good"), &r);
  EXPECT_EQ(registry.find("nope"), nullptr);
}

TEST(Registry, MissingAndEmptyFoldersAreFine) {
  TempDir empty;
  PluginRegistry registry(options_for({"/nonexistent/moat/plugins", empty.path()}));
  registry.discover();
  EXPECT_TRUE(registry.records().empty());
}

TEST(Registry, OnlyMoatNamedSharedObjectsAreCandidates) {
  TempDir dir;
  copy_plugin(MOAT_FIXTURE_GOOD, dir.path(), "libsomething.so");
  copy_plugin(MOAT_FIXTURE_GOOD, dir.path(), "moat-good.so.bak");
  fs::create_directory(dir / "moat-dir.so");
  PluginRegistry registry(options_for({dir.path()}));
  registry.discover();
  EXPECT_TRUE(registry.records().empty());
}

TEST(Registry, MissingProbeHelperIsAnError) {
  auto o = options_for({MOAT_FIXTURE_GOOD_DIR});
  o.examiner = "/nonexistent/moat-plugin-examiner";
  PluginRegistry registry(o);
  const auto e = error_of([&] { registry.discover(); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("/nonexistent/moat-plugin-examiner"), std::string::npos) << e.what();
}

// ---- the verdict cache ----

TEST(RegistryCache, SecondDiscoverUsesTheCacheWithoutAChild) {
  TempDir dir;
  TempDir cache;
  copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  copy_plugin(MOAT_FIXTURE_SEGFAULT, dir.path());
  const auto cache_file = cache / "plugins.json";
  {
    PluginRegistry first(options_for({dir.path()}, cache_file));
    first.discover();
    ASSERT_EQ(first.records().size(), 2u);
    for (const auto& r : first.records()) EXPECT_FALSE(r.cached);
  }
  ASSERT_TRUE(fs::exists(cache_file));

  // No helper: any examination would throw, so every verdict must be cached.
  auto o = options_for({dir.path()}, cache_file);
  o.examiner = "/nonexistent/moat-plugin-examiner";
  PluginRegistry second(o);
  second.discover();
  ASSERT_EQ(second.records().size(), 2u);
  std::map<std::string, PluginRecord> by_name;
  for (const auto& r : second.records()) by_name[r.path.filename().string()] = r;
  EXPECT_TRUE(by_name["moat-good.so"].cached);
  EXPECT_TRUE(by_name["moat-good.so"].ok()) << by_name["moat-good.so"].reason;
  EXPECT_TRUE(by_name["moat-segfault.so"].cached);
  EXPECT_EQ(by_name["moat-segfault.so"].status, PluginStatus::crashed);
  EXPECT_NE(by_name["moat-segfault.so"].reason.find("signal 11"), std::string::npos);
  // Cached or not, a good plugin is really loaded.
  EXPECT_EQ(second.open("good", nlohmann::json::object())->probe().version, "1.2.3");
}

TEST(RegistryCache, ChangedMtimeOrSizeIsExaminedAgain) {
  TempDir dir;
  TempDir cache;
  const auto plugin = copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  const auto cache_file = cache / "plugins.json";
  auto discover = [&] {
    PluginRegistry r(options_for({dir.path()}, cache_file));
    r.discover();
    EXPECT_EQ(r.records().size(), 1u);
    return r.records().front();
  };
  EXPECT_FALSE(discover().cached);
  EXPECT_TRUE(discover().cached);

  fs::last_write_time(plugin, fs::last_write_time(plugin) - std::chrono::seconds(10));
  auto r = discover();
  EXPECT_FALSE(r.cached) << "mtime changed";
  EXPECT_TRUE(r.ok()) << r.reason;
  EXPECT_TRUE(discover().cached);

  const auto mtime = fs::last_write_time(plugin);
  std::ofstream(plugin, std::ios::app) << "trailing bytes";  // still a loadable ELF file
  fs::last_write_time(plugin, mtime);                        // same mtime, new size
  r = discover();
  EXPECT_FALSE(r.cached) << "size changed";
  EXPECT_TRUE(r.ok()) << r.reason;
}

TEST(RegistryCache, CorruptCacheIsIgnoredAndRewritten) {
  TempDir dir;
  TempDir cache;
  copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  const auto cache_file = cache / "plugins.json";
  std::ofstream(cache_file) << "\x01 definitely not json";
  PluginRegistry registry(options_for({dir.path()}, cache_file));
  registry.discover();
  EXPECT_TRUE(only(registry).ok());
  EXPECT_FALSE(only(registry).cached);
  std::ifstream in(cache_file);
  const auto j = nlohmann::json::parse(in);  // throws if still corrupt
  EXPECT_EQ(j.at("plugins").size(), 1u);
}

TEST(RegistryCache, PermissionsAreCheckedEvenWhenCached) {
  TempDir dir;
  TempDir cache;
  const auto plugin = copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  const auto cache_file = cache / "plugins.json";
  {
    PluginRegistry r(options_for({dir.path()}, cache_file));
    r.discover();
    ASSERT_TRUE(only(r).ok());
  }
  fs::permissions(plugin, fs::perms(0757));  // chmod does not change mtime
  PluginRegistry r(options_for({dir.path()}, cache_file));
  r.discover();
  EXPECT_EQ(only(r).status, PluginStatus::unsafe_permissions);
}

// ---- unsafe files ----

TEST(RegistrySafety, WorldWritablePluginIsRefused) {
  TempDir dir;
  const auto plugin = copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  fs::permissions(plugin, fs::perms(0777));
  PluginRegistry registry(options_for({dir.path()}));
  registry.discover();
  const auto& r = only(registry);
  EXPECT_EQ(r.status, PluginStatus::unsafe_permissions);
  EXPECT_NE(r.reason.find("chmod go-w " + plugin.string()), std::string::npos) << r.reason;
  EXPECT_EQ(error_of([&] { (void)registry.open("good", {}); }).status(), MOAT_E_NOT_FOUND)
      << "its code never ran, so its id is unknown";

  const auto checked = registry.check_files({plugin});
  ASSERT_EQ(checked.size(), 1u);
  EXPECT_EQ(checked.front().status, PluginStatus::unsafe_permissions);
}

TEST(RegistrySafety, WritableFolderIsRefused) {
  TempDir dir;
  copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  fs::permissions(dir.path(), fs::perms(0777));
  PluginRegistry registry(options_for({dir.path()}));
  registry.discover();
  EXPECT_EQ(only(registry).status, PluginStatus::unsafe_permissions);
  EXPECT_NE(only(registry).reason.find("plugin folder"), std::string::npos) << only(registry).reason;
}

TEST(RegistrySafety, AllowUnsafeSkipsTheCheck) {
  TempDir dir;
  fs::permissions(copy_plugin(MOAT_FIXTURE_GOOD, dir.path()), fs::perms(0777));
  auto o = options_for({dir.path()});
  o.allow_unsafe = true;
  PluginRegistry registry(o);
  registry.discover();
  EXPECT_TRUE(only(registry).ok()) << only(registry).reason;
}

// ---- duplicate ids and shadowing ----

TEST(RegistryDuplicates, SecondFileWithTheSameIdInOneFolder) {
  PluginRegistry registry(options_for({MOAT_FIXTURE_DUPLICATE_DIR}));
  registry.discover();
  ASSERT_EQ(registry.records().size(), 2u);
  const auto& a = registry.records()[0];
  const auto& b = registry.records()[1];
  EXPECT_EQ(a.path, fs::path(MOAT_FIXTURE_TWIN_A));
  EXPECT_TRUE(a.ok()) << a.reason;
  EXPECT_EQ(b.status, PluginStatus::duplicate_id);
  EXPECT_EQ(b.id, "twin");
  EXPECT_NE(b.reason.find("id 'twin' is already provided by " + std::string(MOAT_FIXTURE_TWIN_A)), std::string::npos)
      << b.reason;
  EXPECT_EQ(registry.find("twin"), &a);
  EXPECT_NO_THROW((void)registry.open("twin", {}));
}

TEST(RegistryDuplicates, SameIdInTwoFolders) {
  TempDir other;
  copy_plugin(MOAT_FIXTURE_GOOD, other.path(), "moat-good-copy.so");
  PluginRegistry registry(options_for({MOAT_FIXTURE_GOOD_DIR, other.path()}));
  registry.discover();
  ASSERT_EQ(registry.records().size(), 2u);
  EXPECT_TRUE(registry.records()[0].ok());
  const auto& dup = registry.records()[1];
  EXPECT_EQ(dup.status, PluginStatus::duplicate_id);
  EXPECT_NE(dup.reason.find(MOAT_FIXTURE_GOOD), std::string::npos) << dup.reason;
}

TEST(RegistryDuplicates, CheckFilesFlagsThemToo) {
  PluginRegistry registry(options_for({}));
  const auto records = registry.check_files({MOAT_FIXTURE_TWIN_A, MOAT_FIXTURE_TWIN_B});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].ok());
  EXPECT_EQ(records[1].status, PluginStatus::duplicate_id);
}

TEST(RegistryDuplicates, EarlierFolderShadowsTheSameFileName) {
  TempDir first;
  const auto preferred = copy_plugin(MOAT_FIXTURE_GOOD, first.path());
  PluginRegistry registry(options_for({first.path(), MOAT_FIXTURE_GOOD_DIR}));
  registry.discover();
  EXPECT_EQ(only(registry).path, preferred);
  EXPECT_TRUE(only(registry).ok());
}

TEST(RegistryCheck, MissingFileIsReported) {
  PluginRegistry registry(options_for({}));
  const auto records = registry.check_files({"/nonexistent/moat-x.so"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records.front().ok());
  EXPECT_NE(records.front().reason.find("no such file"), std::string::npos) << records.front().reason;
}

// ---- open() and calls ----

// Each test runs twice: with the plugin in a broker child (the default for a
// plugin that is not moat's own) and in moat's process.
class GoodPlugin : public ::testing::TestWithParam<Isolation> {
 protected:
  void SetUp() override {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    sink->set_pattern("%n|%l|%v");
    logger_ = std::make_shared<spdlog::logger>("host", sink);
    host_ = std::make_unique<HostApi>(logger_, &cancel_);
    auto o = options_for({MOAT_FIXTURE_GOOD_DIR});
    o.host_api = host_->get();
    o.cancel = &cancel_;
    o.plugin_host.isolation["good"] = GetParam();
    registry_ = std::make_unique<PluginRegistry>(o);
    registry_->discover();
    ASSERT_EQ(registry_->isolation_of("good"), GetParam());
  }

  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<HostApi> host_;
  std::unique_ptr<PluginRegistry> registry_;
};

INSTANTIATE_TEST_SUITE_P(Isolation, GoodPlugin, ::testing::Values(Isolation::process, Isolation::in_process),
                         [](const ::testing::TestParamInfo<Isolation>& info) {
                           return info.param == Isolation::process ? std::string("Broker") : std::string("InProcess");
                         });

TEST_P(GoodPlugin, OpenAndCall) {
  auto h = registry_->open("good", nlohmann::json::object());
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id(), "good");
  EXPECT_EQ(h->operations(), (std::vector<std::string>{"sandbox_start", "sandbox_exec", "sandbox_list", "managed_list",
                                                       "managed_remove"}));
  const auto caps = h->describe();
  EXPECT_EQ(caps.isolation, "none");
  EXPECT_TRUE(caps.bind_mounts);
  const auto probe = h->probe();
  EXPECT_TRUE(probe.available);
  EXPECT_EQ(probe.version, "1.2.3");
  const auto info = h->start("box");
  EXPECT_EQ(info.name, "box");
  EXPECT_TRUE(info.running);
  const auto all = h->list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.front().name, "alpha");
}

TEST_P(GoodPlugin, ConfigReachesThePlugin) {
  auto h = registry_->open("good", {{"greeting", "hi"}});
  ExecRequest req;
  req.name = "box";
  req.argv = {"echo", "x"};
  EXPECT_EQ(h->exec(req).stdout_data, "hi echo x");
}

TEST_P(GoodPlugin, PluginErrorsComeBackTyped) {
  auto h = registry_->open("good", {});
  const auto e = error_of([&] { (void)h->start("missing"); });
  EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  EXPECT_STREQ(e.what(), "no sandbox named missing");
}

TEST_P(GoodPlugin, UnsupportedOperation) {
  auto h = registry_->open("good", {});
  SandboxSpec spec;
  spec.name = "box";
  auto e = error_of([&] { (void)h->create(spec); });
  EXPECT_EQ(e.status(), MOAT_E_UNSUPPORTED);
  EXPECT_STREQ(e.what(), "runtime 'good' does not support sandbox_create");
  e = error_of([&] { h->stop("box"); });
  EXPECT_EQ(e.status(), MOAT_E_UNSUPPORTED);
  EXPECT_STREQ(e.what(), "runtime 'good' does not support sandbox_stop");
}

TEST_P(GoodPlugin, CreateRefusedIsAFailure) {
  const auto e = error_of([&] { (void)registry_->open("good", {{"refuse", true}}); });
  EXPECT_EQ(e.status(), MOAT_E_FAILED);
  EXPECT_NE(std::string(e.what()).find("refused by its configuration"), std::string::npos) << e.what();
}

TEST_P(GoodPlugin, UnknownIdIsNotFound) {
  const auto e = error_of([&] { (void)registry_->open("kata", {}); });
  EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  EXPECT_NE(std::string(e.what()).find("'kata'"), std::string::npos) << e.what();
}

TEST_P(GoodPlugin, LogsReachTheHostUnderThePluginsName) {
  auto h = registry_->open("good", {});
  EXPECT_NE(log_.str().find("good|info|good fixture created"), std::string::npos) << log_.str();
}

TEST_P(GoodPlugin, CancellationFlagReachesThePlugin) {
  auto h = registry_->open("good", {});
  ExecRequest req;
  req.name = "box";
  EXPECT_EQ(h->exec(req).exit_code, 0);
  cancel_ = true;
  EXPECT_EQ(h->exec(req).exit_code, 130);
}

TEST_P(GoodPlugin, SeveralInstancesAtOnce) {
  auto a = registry_->open("good", {{"greeting", "a"}});
  auto b = registry_->open("good", {{"greeting", "b"}});
  ExecRequest req;
  EXPECT_EQ(a->exec(req).stdout_data, "a");
  EXPECT_EQ(b->exec(req).stdout_data, "b");
}

TEST(LeakyPlugin, ExceptionThroughTheCAbiDoesNotTakeTheHostDown) {
  PluginRegistry registry(options_for({MOAT_FIXTURE_LEAKY_DIR}));
  registry.discover();
  ASSERT_TRUE(only(registry).ok()) << only(registry).reason;
  auto h = registry.open("leaky", {});
  const auto e = error_of([&] { (void)h->list(); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("let an exception escape from sandbox_list"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("leaked through the C ABI"), std::string::npos) << e.what();
  EXPECT_EQ(h->describe().isolation, "none") << "the plugin is still usable";
}

// ---- everything at once ----

TEST(AllFixtures, OneFolderWithEveryFixtureAndTheHostCarriesOn) {
  TempDir dir;
  const std::map<std::string, PluginStatus> expected = {
      {"moat-good.so", PluginStatus::ok},
      {"moat-leaky.so", PluginStatus::ok},
      {"moat-twin-a.so", PluginStatus::ok},
      {"moat-twin-b.so", PluginStatus::duplicate_id},
      {"moat-no-entry.so", PluginStatus::missing_entry},
      {"moat-abi-major.so", PluginStatus::abi_mismatch},
      {"moat-abi-minor.so", PluginStatus::abi_mismatch},
      {"moat-short-struct.so", PluginStatus::invalid_descriptor},
      {"moat-missing-function.so", PluginStatus::invalid_descriptor},
      {"moat-bad-id.so", PluginStatus::invalid_descriptor},
      {"moat-undefined-symbol.so", PluginStatus::dlopen_failed},
      {"moat-throws-in-create.so", PluginStatus::create_failed},
      {"moat-segfault.so", PluginStatus::crashed},
      {"moat-abort.so", PluginStatus::crashed},
      {"moat-hang.so", PluginStatus::timeout},
      {"moat-exits.so", PluginStatus::dlopen_failed},
      {"moat-malformed-json.so", PluginStatus::describe_failed},
      {"moat-leaky-describe.so", PluginStatus::describe_failed},
      {"moat-world-writable.so", PluginStatus::unsafe_permissions},
  };
  for (const char* f :
       {MOAT_FIXTURE_GOOD, MOAT_FIXTURE_LEAKY, MOAT_FIXTURE_TWIN_A, MOAT_FIXTURE_TWIN_B, MOAT_FIXTURE_NO_ENTRY,
        MOAT_FIXTURE_ABI_MAJOR, MOAT_FIXTURE_ABI_MINOR, MOAT_FIXTURE_SHORT_STRUCT, MOAT_FIXTURE_MISSING_FUNCTION,
        MOAT_FIXTURE_BAD_ID, MOAT_FIXTURE_UNDEFINED_SYMBOL, MOAT_FIXTURE_THROWS_IN_CREATE, MOAT_FIXTURE_SEGFAULT,
        MOAT_FIXTURE_ABORT, MOAT_FIXTURE_HANG, MOAT_FIXTURE_EXITS, MOAT_FIXTURE_MALFORMED_JSON,
        MOAT_FIXTURE_LEAKY_DESCRIBE}) {
    copy_plugin(f, dir.path());
  }
  fs::permissions(copy_plugin(MOAT_FIXTURE_GOOD, dir.path(), "moat-world-writable.so"), fs::perms(0777));

  TempDir cache;
  PluginRegistry registry(options_for({dir.path()}, cache / "plugins.json"));
  registry.discover();
  ASSERT_EQ(registry.records().size(), expected.size());
  std::vector<fs::path> files;
  for (const auto& r : registry.records()) {
    const auto name = r.path.filename().string();
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_EQ(r.status, expected.at(name)) << name << ": " << r.reason;
    EXPECT_EQ(r.ok(), r.reason.empty()) << name << ": " << r.reason;
    files.push_back(r.path);
  }

  // The host and the good plugins are unharmed.
  auto good = registry.open("good", {});
  EXPECT_TRUE(good->probe().available);
  EXPECT_EQ(registry.open("leaky", {})->describe().isolation, "none");
  EXPECT_EQ(registry.open("twin", {})->describe().isolation, "none");

  // `plugins check` on the same files: everything but the good ones fails.
  const auto checked = registry.check_files(files);
  ASSERT_EQ(checked.size(), files.size());
  for (const auto& r : checked) {
    EXPECT_EQ(r.status, expected.at(r.path.filename().string())) << r.path << ": " << r.reason;
  }
}

}  // namespace
}  // namespace moat::core
