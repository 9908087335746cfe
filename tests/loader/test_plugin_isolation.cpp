// A plugin that passed examination misbehaves at run time (the misbehave
// fixture): in a broker child it costs that child only, in moat's process a
// hang costs the caller no more than the deadline. Also where each plugin
// runs, and what crosses the broker's pipe.
#include "support.hpp"

#include <moat/core/plugin_registry.hpp>
#include <moat/error.hpp>

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <ostream>
#include <string>
#include <thread>

namespace moat::core {
namespace {

using moat::test::error_of;
using moat::test::options_for;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool mapped_into_this_process(const std::string& file_name) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.find(file_name) != std::string::npos) return true;
  return false;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A registry over the misbehave fixture, with short deadlines so hangs are cheap.
RegistryOptions misbehave_options(Isolation where) {
  auto o = options_for({MOAT_FIXTURE_MISBEHAVE_DIR});
  o.plugin_host.isolation["misbehave"] = where;
  o.plugin_host.deadlines.probe = milliseconds(1000);
  o.plugin_host.deadlines.describe = milliseconds(1000);
  o.plugin_host.deadlines.lifecycle = milliseconds(1000);
  o.plugin_host.deadlines.interrupt_grace = milliseconds(300);
  return o;
}

TEST(PluginIsolation, APluginThatIsNotMoatsOwnRunsInABrokerAndIsNeverLoadedHere) {
  moat::test::TempDir dir;
  const auto file = moat::test::copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  PluginRegistry registry(options_for({dir.path()}));
  registry.discover();
  EXPECT_EQ(registry.isolation_of("good"), Isolation::process);
  auto h = registry.open("good", {{"greeting", "hi"}});
  EXPECT_EQ(h->isolation(), Isolation::process);
  EXPECT_EQ(h->probe().version, "1.2.3");
  ExecRequest req;
  req.argv = {"echo"};
  EXPECT_EQ(h->exec(req).stdout_data, "hi echo");
  EXPECT_FALSE(mapped_into_this_process(file.string()));
}

TEST(PluginIsolation, MoatsOwnFolderRunsInProcess) {
  moat::test::TempDir dir;
  const auto file = moat::test::copy_plugin(MOAT_FIXTURE_GOOD, dir.path());
  auto o = options_for({dir.path()});
  o.shipped_dirs = {dir.path()};
  PluginRegistry registry(o);
  registry.discover();
  EXPECT_EQ(registry.isolation_of("good"), Isolation::in_process);
  EXPECT_EQ(registry.open("good", {})->isolation(), Isolation::in_process);
  EXPECT_TRUE(mapped_into_this_process(file.string()));
}

TEST(PluginIsolation, TheConfigurationDecidesPerPlugin) {
  auto o = options_for({MOAT_FIXTURE_MISBEHAVE_DIR});
  o.shipped_dirs = {MOAT_FIXTURE_MISBEHAVE_DIR};
  o.plugin_host.isolation["misbehave"] = Isolation::process;
  PluginRegistry registry(o);
  registry.discover();
  EXPECT_EQ(registry.isolation_of("misbehave"), Isolation::process);
}

struct Fault {
  const char* how;
  moat_status status;
  const char* says;
};

// The fault's name, so a test's name does not carry the struct's bytes.
void PrintTo(const Fault& f, std::ostream* os) { *os << f.how; }

class BrokeredFault : public ::testing::TestWithParam<Fault> {};

TEST_P(BrokeredFault, CostsTheBrokerOnlyAndNamesThePluginAndTheCall) {
  PluginRegistry registry(misbehave_options(Isolation::process));
  registry.discover();
  auto h = registry.open("misbehave", {{"probe", GetParam().how}});
  EXPECT_EQ(h->describe().isolation, "none");  // the instance works until the fault
  const auto started = Clock::now();
  const auto e = error_of([&] { (void)h->probe(); });
  EXPECT_LT(seconds_since(started), 3.0);
  EXPECT_EQ(e.status(), GetParam().status);
  const std::string what = e.what();
  EXPECT_NE(what.find("plugin 'misbehave'"), std::string::npos) << what;
  EXPECT_NE(what.find(" probe"), std::string::npos) << what;
  EXPECT_NE(what.find(GetParam().says), std::string::npos) << what;
  // The instance is gone: the next call says so at once.
  const auto again = error_of([&] { (void)h->describe(); });
  EXPECT_EQ(again.status(), MOAT_E_UNAVAILABLE);
  // A fresh instance works.
  EXPECT_EQ(registry.open("misbehave", {})->probe().version, "6.6.6");
}

INSTANTIATE_TEST_SUITE_P(Faults, BrokeredFault,
                         ::testing::Values(Fault{"segv", MOAT_E_INTERNAL, "killed by signal 11 (Segmentation fault)"},
                                           Fault{"abort", MOAT_E_INTERNAL, "killed by signal 6 (Aborted)"},
                                           Fault{"exit0", MOAT_E_INTERNAL, "exit status 0"},
                                           Fault{"hang", MOAT_E_TIMEOUT, "did not answer probe within 1 s"}),
                         [](const ::testing::TestParamInfo<Fault>& info) { return std::string(info.param.how); });

TEST(PluginIsolation, AFaultWhileCreatingIsReportedByOpen) {
  PluginRegistry registry(misbehave_options(Isolation::process));
  registry.discover();
  auto h = registry.open("misbehave", {{"sandbox_create", "segv"}});
  SandboxSpec spec;
  spec.name = "x";
  const auto e = error_of([&] { (void)h->create(spec); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("crashed in sandbox_create"), std::string::npos) << e.what();
}

TEST(PluginIsolation, AnInProcessCallThatHangsIsAbandonedAtItsDeadline) {
  PluginRegistry registry(misbehave_options(Isolation::in_process));
  registry.discover();
  auto h = registry.open("misbehave", {{"probe", "hang"}});
  const auto started = Clock::now();
  const auto e = error_of([&] { (void)h->probe(); });
  EXPECT_LT(seconds_since(started), 3.0);
  EXPECT_EQ(e.status(), MOAT_E_TIMEOUT);
  EXPECT_NE(std::string(e.what()).find("did not answer probe within 1 s"), std::string::npos) << e.what();
  EXPECT_EQ(error_of([&] { (void)h->describe(); }).status(), MOAT_E_UNAVAILABLE);
}

class Interrupted : public ::testing::TestWithParam<Isolation> {};

TEST_P(Interrupted, AHungCallEndsWithinTheGraceAfterTheFlag) {
  std::atomic<bool> cancel{false};
  auto o = misbehave_options(GetParam());
  o.plugin_host.deadlines.probe = milliseconds(60'000);
  o.cancel = &cancel;
  PluginRegistry registry(o);
  registry.discover();
  auto h = registry.open("misbehave", {{"probe", "hang"}});
  std::jthread interrupt([&] {
    std::this_thread::sleep_for(milliseconds(200));
    cancel = true;
  });
  const auto started = Clock::now();
  const auto e = error_of([&] { (void)h->probe(); });
  EXPECT_LT(seconds_since(started), 2.0);
  EXPECT_NE(std::string(e.what()).find("interrupted: plugin 'misbehave' was still in probe"), std::string::npos)
      << e.what();
}

TEST_P(Interrupted, APluginThatHonoursCancelledReturnsItsOwnAnswer) {
  std::atomic<bool> cancel{false};
  auto o = misbehave_options(GetParam());
  o.cancel = &cancel;
  PluginRegistry registry(o);
  registry.discover();
  auto h = registry.open("misbehave", {});
  std::jthread interrupt([&] {
    std::this_thread::sleep_for(milliseconds(200));
    cancel = true;
  });
  ExecRequest req;
  req.name = "box";
  const auto result = h->exec(req);  // the fixture waits for cancelled()
  EXPECT_EQ(result.exit_code, 130);
  EXPECT_EQ(result.stdout_data, "box");
}

INSTANTIATE_TEST_SUITE_P(Isolation, Interrupted, ::testing::Values(Isolation::process, Isolation::in_process),
                         [](const ::testing::TestParamInfo<Isolation>& info) {
                           return info.param == Isolation::process ? std::string("Broker") : std::string("InProcess");
                         });

long peak_rss_kb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// In a fresh process (a death-test child re-executes this binary), so the
// peak is this call's: the answer is refused from its size alone, and moat's
// memory stays well under twice the cap.
TEST(PluginIsolationDeathTest, AnAnswerOverTheCapIsRefusedWithBoundedMemory) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  constexpr std::uint64_t kCap = std::uint64_t{16} << 20;
  EXPECT_EXIT(
      {
        auto o = misbehave_options(Isolation::process);
        o.plugin_host.max_answer_bytes = kCap;
        o.plugin_host.deadlines.probe = milliseconds(30'000);
        PluginRegistry registry(o);
        registry.discover();
        auto h = registry.open("misbehave", {{"probe", "huge"}});  // 256 MiB
        const long before = peak_rss_kb();
        const auto e = error_of([&] { (void)h->probe(); });
        const long grown_kb = peak_rss_kb() - before;
        const bool refused = e.status() == MOAT_E_INTERNAL &&
                             std::string(e.what()).find("more than 16777216 bytes") != std::string::npos;
        std::fprintf(stderr, "refused=%d grown_kb=%ld: %s\n", refused ? 1 : 0, grown_kb, e.what());
        std::exit(refused && grown_kb < static_cast<long>(2 * kCap / 1024) ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "refused=1");
}

}  // namespace
}  // namespace moat::core
