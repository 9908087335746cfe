// How a finished examining child is read (interpret_outcome), and the
// examiner's behaviour when its helper is missing.
#include <moat/core/plugin_examiner.hpp>
#include <moat/error.hpp>

#include <signal.h>

#include <gtest/gtest.h>

namespace moat::core {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kFile = "/plugins/moat-x.so";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(InterpretOutcome, VerdictIsTheRecord) {
  ChildOutcome o;
  o.exit_code = 0;
  o.stdout_text = R"({"phase":"loading"})"
                  "\n"
                  R"({"verdict":{"status":"abi_mismatch","reason":"ABI major 2","id":"x","path":"/elsewhere"}})"
                  "\n";
  const auto r = interpret_outcome(kFile, o, 1000ms);
  EXPECT_EQ(r.status, PluginStatus::abi_mismatch);
  EXPECT_EQ(r.reason, "ABI major 2");
  EXPECT_EQ(r.path, kFile) << "the host's path wins";
  EXPECT_FALSE(r.cached);
}

TEST(InterpretOutcome, SignalIsACrashPlacedByPhase) {
  ChildOutcome o;
  o.signal = SIGSEGV;
  o.stdout_text = "{\"phase\":\"loading\"}\n";
  auto r = interpret_outcome(kFile, o, 1000ms);
  EXPECT_EQ(r.status, PluginStatus::crashed);
  EXPECT_EQ(r.reason, "killed by signal 11 (Segmentation fault) while loading");

  o.signal = SIGABRT;
  o.stdout_text = "{\"phase\":\"loading\"}\n{\"phase\":\"create\"}\n";
  o.stderr_text = "terminate called after throwing an instance of 'std::runtime_error'\n  what():  boom\n";
  r = interpret_outcome(kFile, o, 1000ms);
  EXPECT_EQ(r.status, PluginStatus::crashed);
  EXPECT_TRUE(has(r.reason, "killed by signal 6 (Aborted) in create()")) << r.reason;
  EXPECT_TRUE(has(r.reason, "what():  boom")) << r.reason;
}

TEST(InterpretOutcome, DeathAfterTheVerdictIsACrashAtExit) {
  ChildOutcome o;
  o.signal = SIGSEGV;
  o.stdout_text = R"({"verdict":{"status":"ok","id":"x"}})"
                  "\n";
  const auto r = interpret_outcome(kFile, o, 1000ms);
  EXPECT_EQ(r.status, PluginStatus::crashed);
  EXPECT_TRUE(has(r.reason, "at exit")) << r.reason;
}

TEST(InterpretOutcome, TimeoutNamesTheLimitAndPhase) {
  ChildOutcome o;
  o.timed_out = true;
  o.stdout_text = "{\"phase\":\"loading\"}\n{\"phase\":\"entry\"}\n";
  const auto r = interpret_outcome(kFile, o, 1500ms);
  EXPECT_EQ(r.status, PluginStatus::timeout);
  EXPECT_TRUE(has(r.reason, "within 1500 ms")) << r.reason;
  EXPECT_TRUE(has(r.reason, "hung in moat_plugin_entry_v1()")) << r.reason;
}

TEST(InterpretOutcome, ExitWithoutVerdictDependsOnPhase) {
  ChildOutcome o;
  o.exit_code = 3;
  o.stdout_text = "{\"phase\":\"loading\"}\n";
  o.stderr_text = "some noise\nlast words\n\n";
  auto r = interpret_outcome(kFile, o, 1000ms);
  EXPECT_EQ(r.status, PluginStatus::dlopen_failed);
  EXPECT_TRUE(has(r.reason, "exited with status 3 while loading without a verdict")) << r.reason;
  EXPECT_TRUE(has(r.reason, "(last output: last words)")) << r.reason;

  o.stdout_text += "{\"phase\":\"entry\"}\n{\"phase\":\"create\"}\n";
  EXPECT_EQ(interpret_outcome(kFile, o, 1000ms).status, PluginStatus::create_failed);

  o.exit_code = 0;
  o.stdout_text = "garbage that is not json\n";
  r = interpret_outcome(kFile, o, 1000ms);
  EXPECT_EQ(r.status, PluginStatus::dlopen_failed);
  EXPECT_TRUE(has(r.reason, "before loading the plugin")) << r.reason;
}

TEST(Examiner, MissingHelperIsMoatsErrorNotThePlugins) {
  try {
    (void)examine_in_children({kFile}, "/nonexistent/moat-plugin-examiner", 1000ms);
    FAIL() << "expected moat::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
    EXPECT_TRUE(has(e.what(), "/nonexistent/moat-plugin-examiner")) << e.what();
  }
}

TEST(Examiner, NoFilesNoChildren) { EXPECT_TRUE(examine_in_children({}, "/nonexistent", 1000ms).empty()); }

}  // namespace
}  // namespace moat::core
