// What a bare `moat gc` may touch: what moat left behind and no one owns
// (objects of bench and matrix runs, sandboxes a killed create left
// half-made, volumes of sandboxes that are gone), never a sandbox a user
// created or its volumes; --all covers those too. The creation journal also
// turns two creates of one name into a conflict.
//
// A bare gc sweeps every run's objects in the engine, so these tests run
// alone (RUN_SERIAL): other suites' runs must not be swept from under them.
#include "sandbox_test_support.hpp"

#include <moat/core/creation_journal.hpp>
#include <moat/engine/container_plan.hpp>
#include <moat/support/process.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

using namespace moat::sandbox_test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A state dir of this test's own, so the journal holds only what it writes.
fs::path state_dir() {
  fs::path dir = scratch() / ("state-" + std::to_string(::getpid()));
  fs::create_directories(dir / "creating");
  return dir;
}

moat::test::RunOptions with_state() {
  moat::test::RunOptions o;
  o.env["MOAT_STATE_DIR"] = state_dir().string();
  return o;
}

moat::test::ProcessResult moat_with_state(std::vector<std::string> args) {
  return run_moat(std::move(args), default_config(), with_state());
}

bool contains(const json& list, const std::string& name) {
  for (const auto& v : list)
    if ((v.is_string() ? v.get<std::string>() : v.value("name", "")) == name) return true;
  return false;
}

// A journal entry as a create in progress writes it, for `name`, by `pid`.
void write_entry(const std::string& name, int pid, const std::string& start_time) {
  std::ofstream(state_dir() / "creating" / (name + ".json"))
      << json{{"name", name}, {"runtime", "runc"}, {"pid", pid}, {"start_time", start_time}}.dump();
}

// The pid of a process that has exited (and been reaped).
int dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

TEST(GcScope, BareGcKeepsAUsersSandboxAndItsVolumeAndRemovesRunObjectsAndOrphans) {
  ensure_base_image();
  const std::string user_box = unique_name("gc-user");
  const std::string user_vol = unique_name("gc-user-data");
  const std::string run_box = unique_name("gc-run");
  const std::string orphan = unique_name("gc-orphan");
  Cleanup cleanup(user_box);
  cleanup.add(run_box);
  const std::string run = std::string(kRunId) + "-gcscope-" + std::to_string(::getpid());

  auto u = moat_with_state({"sandbox", "create", user_box, "--runtime", "runc", "--image", kBaseImage, "--start",
                            "--volume", user_vol + ":/data"});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  auto r = moat_with_state({"sandbox", "create", run_box, "--runtime", "runc", "--image", kBaseImage, "--label",
                            std::string(moat::kRunIdLabel) + "=" + run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // A volume moat made for a sandbox that no longer exists.
  client().create_volume(orphan, {{moat::kManagedLabel, "true"}, {moat::engine::kSandboxLabel, orphan + "-gone"}});

  auto dry = moat_with_state({"-o", "json", "gc", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const json d = json::parse(dry.out);
  EXPECT_EQ(d["scope"], "leftovers");
  EXPECT_TRUE(contains(d["containers"], run_box)) << dry.out;
  EXPECT_TRUE(contains(d["volumes"], orphan)) << dry.out;
  EXPECT_FALSE(contains(d["containers"], user_box)) << dry.out;
  EXPECT_FALSE(contains(d["volumes"], user_vol)) << dry.out;

  auto all = moat_with_state({"-o", "json", "gc", "--all", "--dry-run"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const json a = json::parse(all.out);
  EXPECT_EQ(a["scope"], "all");
  EXPECT_TRUE(contains(a["containers"], user_box)) << all.out;
  EXPECT_TRUE(contains(a["volumes"], user_vol)) << all.out;

  auto gc = moat_with_state({"-o", "json", "gc"});
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_FALSE(client().find_container(run_box).has_value()) << "a run's sandbox is a leftover";
  EXPECT_TRUE(client().list_volumes({{moat::engine::kSandboxLabel, orphan + "-gone"}}).empty())
      << "an orphaned volume is a leftover";
  const auto kept = client().find_container(user_box);
  ASSERT_TRUE(kept.has_value()) << "a user's sandbox stays";
  auto inspect = moat_with_state({"-o", "json", "sandbox", "inspect", user_box});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(json::parse(inspect.out)["sandbox"]["running"], true) << inspect.out;
  EXPECT_FALSE(client().list_volumes({{moat::engine::kSandboxLabel, user_box}}).empty()) << "and so does its volume";

  auto rm = moat_with_state({"sandbox", "rm", user_box});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_TRUE(engine_objects_of(user_box).empty());
}

TEST(GcScope, ASandboxAKilledCreateLeftHalfMadeIsALeftover) {
  ensure_base_image();
  const std::string box = unique_name("gc-half");
  const std::string vol = unique_name("gc-half-data");
  Cleanup cleanup(box);
  auto c = moat_with_state(
      {"sandbox", "create", box, "--runtime", "runc", "--image", kBaseImage, "--volume", vol + ":/data"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  // What a create killed between the engine's create and its end leaves: the
  // objects, and its journal entry naming a creator that is gone.
  write_entry(box, dead_pid(), "1");

  auto gc = moat_with_state({"-o", "json", "gc"});
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  const json g = json::parse(gc.out);
  EXPECT_TRUE(contains(g["containers"], box)) << gc.out;
  EXPECT_TRUE(engine_objects_of(box).empty());
  EXPECT_TRUE(client().list_volumes({{moat::engine::kSandboxLabel, box}}).empty()) << "its volume went too";
  EXPECT_FALSE(fs::exists(state_dir() / "creating" / (box + ".json"))) << "the journal entry is closed";
}

TEST(GcScope, ACreateInProgressElsewhereIsAConflictAndKeepsItsVolumes) {
  ensure_base_image();
  const std::string box = unique_name("gc-busy");
  Cleanup cleanup(box);
  // This test process stands in for another moat creating `box` right now.
  write_entry(box, ::getpid(), moat::support::process_start_time(::getpid()).value_or(""));
  auto c = moat_with_state({"sandbox", "create", box, "--runtime", "runc", "--image", kBaseImage});
  EXPECT_EQ(c.exit_code, 1) << c.err;
  EXPECT_EQ(lines(c.err).size(), 1u) << c.err;
  EXPECT_NE(c.err.find("is being created by another moat process (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << c.err;
  EXPECT_TRUE(engine_objects_of(box).empty()) << "nothing was created";

  // A bare gc leaves a create in progress alone, and its entry.
  auto gc = moat_with_state({"gc"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_TRUE(fs::exists(state_dir() / "creating" / (box + ".json")));
  fs::remove(state_dir() / "creating" / (box + ".json"));

  auto again = moat_with_state({"sandbox", "create", box, "--runtime", "runc", "--image", kBaseImage});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_FALSE(fs::exists(state_dir() / "creating" / (box + ".json"))) << "a finished create closes its entry";
}

TEST(GcScope, AllAndRunIdTogetherIsAUsageError) {
  auto r = moat_with_state({"gc", "--all", "--run-id", "x"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_NE(r.err.find("--all and --run-id cannot go together"), std::string::npos) << r.err;
}

}  // namespace
