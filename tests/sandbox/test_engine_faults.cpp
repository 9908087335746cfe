// The engine and the environment misbehave, and moat holds (issue #11,
// point 5). Every test here breaks an engine of its own (PrivateEngine: a
// dockerd with its own socket, roots and containerd, killed and removed at
// the end on every path), never the machine's shared one; they run serially
// (ctest label "faults").
#include "private_engine.hpp"
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <net/if.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <thread>

using namespace moat::sandbox_test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A config pointing moat at the private engine; `runc` is that plugin's section.
fs::path private_config(const std::string& file, const PrivateEngine& engine, const nlohmann::json& runc,
                        double timeout_s = 60) {
  return write_config(file,
                      {{"engine", {{"socket", engine.socket().string()}, {"timeout_s", timeout_s}}},
                       {"plugins", {{"runc", runc}, {"host", {{"state_dir", (scratch() / "host-state").string()}}}}}});
}

std::vector<std::string> create_args(const std::string& name, const std::string& runtime = "runc") {
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", runtime, "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  return args;
}

// An engine runtime that hangs on `create` (and records its pid so the
// engine's teardown can end it); every other command is runc's.
void write_hanging_runtime(const PrivateEngine& engine) {
  const fs::path script = engine.dir() / "hang-runtime";
  std::ofstream(script) << "#!/bin/sh\n"
                        << "for a in \"$@\"; do\n"
                        << "  if [ \"$a\" = create ]; then echo $$ > '" << (engine.pids_dir() / "hang").string()
                        << "'; exec sleep 600; fi\n"
                        << "done\n"
                        << "exec runc \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
}

// `moat` on the private engine, with a creation journal of this engine's own
// (a bare `moat gc` reads the journal: the shared one is other tests').
moat::test::ProcessResult run_private(const PrivateEngine& engine, std::vector<std::string> args,
                                      const fs::path& config, moat::test::RunOptions options = {}) {
  options.env["MOAT_STATE_DIR"] = (engine.dir() / "state").string();
  return run_moat(std::move(args), config, std::move(options));
}

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  for (const auto end = Clock::now() + limit; Clock::now() < end;) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// ---- 2. a runtime binary that is missing, or that hangs ----

TEST(EngineFaults, MissingRuntimeBinaryIsAClearErrorNamingIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a dockerd of its own, a tmpfs mount)";
  ensure_base_image();
  // The shared engine's bridge is untouched by a private engine's life.
  const unsigned docker0 = ::if_nametoindex("docker0");
  struct Docker0Check {
    unsigned before;
    ~Docker0Check() {
      EXPECT_EQ(::if_nametoindex("docker0"), before) << "a private engine must not touch the host's docker0";
    }
  } docker0_check{docker0};
  PrivateEngine engine({"--add-runtime", "moat-gone=/nonexistent/moat-gone-runtime"});
  engine.load_image(kBaseImage);
  const auto config = private_config("gone.json", engine, {{"runtime_name", "moat-gone"}});
  const std::string name = unique_name("gone-rt");
  const auto t0 = Clock::now();
  auto r = run_private(engine, create_args(name), config);
  const auto took = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "missing runtime: exit " << r.exit_code << " after " << took << " s: " << r.err;
  EXPECT_EQ(r.exit_code, 69) << r.err;
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 1u) << r.err;
  EXPECT_EQ(err[0], "moat: start sandbox '" + name +
                        "': engine runtime 'moat-gone' is registered with the Docker engine as "
                        "'/nonexistent/moat-gone-runtime', which does not exist on this host; install it, or fix the "
                        "daemon's \"runtimes\", or pick another runtime");
  EXPECT_TRUE(engine.containers().empty()) << "nothing half-created";
  EXPECT_TRUE(engine.volumes().empty());
}

TEST(EngineFaults, HangingRuntimeEndsWithinTheDeadlineNamingIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a dockerd of its own, a tmpfs mount)";
  ensure_base_image();
  PrivateEngine engine({"--add-runtime", "moat-hang={dir}/hang-runtime"});
  write_hanging_runtime(engine);
  engine.load_image(kBaseImage);
  constexpr double kTimeout = 5;
  const auto config = private_config("hang.json", engine, {{"runtime_name", "moat-hang"}}, kTimeout);
  const std::string name = unique_name("hang-rt");
  const auto t0 = Clock::now();
  auto r = run_private(engine, create_args(name), config);
  const auto took = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "hanging runtime: exit " << r.exit_code << " after " << took << " s: " << r.err;
  EXPECT_EQ(r.exit_code, 75) << r.err;
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 1u) << r.err;
  EXPECT_NE(err[0].find("moat-hang"), std::string::npos) << "names the runtime: " << err[0];
  EXPECT_LT(took, 4 * kTimeout) << "ends within the engine deadline (plus the removal's)";
  // The stuck runtime holds the container: moat could not remove it, said
  // so, and left its journal entry; once the runtime is gone, a bare gc
  // removes it.
  EXPECT_NE(err[0].find("'moat gc' removes it"), std::string::npos) << err[0];
  engine.kill_recorded_pids();
  // The engine goes on with the removal moat asked for; a gc that meets it
  // half-way says so and is simply run again.
  EXPECT_TRUE(wait_for([&] { return run_private(engine, {"gc"}, config).exit_code == 0; }, std::chrono::seconds(30)));
  EXPECT_TRUE(engine.containers().empty()) << "nothing half-created is left";
  EXPECT_TRUE(engine.volumes().empty());
  EXPECT_TRUE(fs::is_empty(engine.dir() / "state" / "creating")) << "the journal entry is gone";
}

// ---- 4. the engine goes away during `moat sandbox create` ----

// The engine is killed while the create waits for it (the runtime hangs in
// its create, so the moment is certain). moat ends with one line; once the
// engine is back, the half-made sandbox is either gone or a bare `moat gc`
// removes it through the creation journal: nothing of it is left.
TEST(EngineFaults, EngineGoneDuringCreateLeavesNothingAfterGc) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a dockerd of its own, a tmpfs mount)";
  ensure_base_image();
  PrivateEngine engine({"--add-runtime", "moat-hang={dir}/hang-runtime"});
  write_hanging_runtime(engine);
  engine.load_image(kBaseImage);
  const auto config = private_config("gone-during-create.json", engine, {{"runtime_name", "moat-hang"}});
  const std::string name = unique_name("engine-gone");
  auto create = std::async(std::launch::async, [&] { return run_private(engine, create_args(name), config); });
  ASSERT_TRUE(wait_for([&] { return fs::exists(engine.pids_dir() / "hang"); }, std::chrono::seconds(30)))
      << "the runtime was never asked to create";
  engine.kill_dockerd();
  fs::remove(engine.socket());
  const auto r = create.get();
  std::cout << "engine gone during create: exit " << r.exit_code << ": " << r.err;
  EXPECT_NE(r.exit_code, 0);
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("moat gc"), std::string::npos) << "says what cleans up: " << r.err;

  engine.kill_recorded_pids();
  engine.start();
  auto gc = run_private(engine, {"gc"}, config);
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_TRUE(engine.containers().empty()) << "nothing half-created is left";
  EXPECT_TRUE(engine.volumes().empty());
  EXPECT_TRUE(fs::is_empty(engine.dir() / "state" / "creating")) << "the journal entry is gone";
  EXPECT_EQ(run_private(engine, {"sandbox", "inspect", name}, config).exit_code, 66);
}

// ---- 1. dockerd killed in the middle of `moat bench` ----

std::vector<nlohmann::json> samples_of(const fs::path& jsonl) {
  std::vector<nlohmann::json> out;
  std::ifstream in(jsonl);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("type", "") == "sample") out.push_back(std::move(j));
  }
  return out;
}

TEST(EngineFaults, DockerdKilledMidBenchKeepsSamplesAndLeavesNothing) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a dockerd of its own, a tmpfs mount)";
  ensure_base_image();
  PrivateEngine engine;
  engine.load_image(kBaseImage);
  const auto config = private_config("bench-kill.json", engine, nlohmann::json::object(), 10);
  TempDir out("msb-bench-kill");
  const fs::path jsonl = out.path() / "results.jsonl";
  const std::vector<std::string> bench = {"bench", "--runtimes",    "runc", "--suite", "boot",   "--warmup",
                                          "0",     "--repetitions", "12",   "--out",   out.str()};
  auto run = std::async(std::launch::async, [&] { return run_private(engine, bench, config); });
  ASSERT_TRUE(wait_for([&] { return samples_of(jsonl).size() >= 4; }, std::chrono::seconds(60)))
      << "no samples before the kill";
  engine.kill_dockerd();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  engine.start();
  const auto r = run.get();
  std::cout << "bench with the engine killed: exit " << r.exit_code << "\n";
  // What could not be removed while the engine was away is said once, with
  // what to run; the run's end says so in one "moat:" line.
  std::size_t cleanup_lines = 0;
  for (const auto& l : lines(r.err))
    if (l.find("could not remove") != std::string::npos) ++cleanup_lines;
  if (r.exit_code == 1) {
    EXPECT_EQ(cleanup_lines, 1u) << r.err;
    EXPECT_NE(r.err.find("moat: some sandboxes could not be removed; run 'moat gc --run-id "), std::string::npos)
        << r.err;
  } else {
    EXPECT_EQ(cleanup_lines, 0u) << r.err;
  }

  const auto samples = samples_of(jsonl);
  std::size_t ok = 0;
  std::size_t failed = 0;
  for (const auto& s : samples) {
    if (s.value("ok", false)) {
      ++ok;
      continue;
    }
    ++failed;
    const std::string error = s.value("error", "");
    EXPECT_FALSE(error.empty()) << s.dump();
    EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
  }
  std::cout << "samples: " << ok << " ok, " << failed << " failed\n";
  EXPECT_GE(ok, 4u) << "the finished samples are kept";
  EXPECT_GE(failed, 1u) << "the samples the kill broke are recorded as failed";
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  EXPECT_TRUE(fs::exists(out.path() / "results.json")) << "the run ended and wrote its results";

  // A second run, then a bare gc: nothing of either run is left.
  TempDir out2("msb-bench-kill2");
  auto again = run_private(
      engine,
      {"bench", "--runtimes", "runc", "--suite", "boot", "--warmup", "0", "--repetitions", "1", "--out", out2.str()},
      config);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  auto gc = run_private(engine, {"gc"}, config);
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_TRUE(engine.containers().empty());
  EXPECT_TRUE(engine.volumes().empty());
}

// ---- 3. a full disk during the io scenario ----

// A small tmpfs, unmounted on every path.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const fs::path& at, const std::string& size) : at_(at) {
    fs::create_directories(at_);
    const auto r = moat::test::run_process({"mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at_.string()});
    if (r.exit_code != 0) throw std::runtime_error("mount tmpfs: " + r.err);
  }
  ~SmallTmpfs() { (void)moat::test::run_process({"umount", "-l", at_.string()}); }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

 private:
  fs::path at_;
};

std::vector<std::string> shared_engine_objects(const std::string& run_id) {
  const std::string filter = "label=moat.run-id=" + run_id;
  std::vector<std::string> out;
  for (const auto& l : lines(moat::test::run_process({"docker", "ps", "-aq", "--filter", filter}).out))
    out.push_back("container " + l);
  for (const auto& l : lines(moat::test::run_process({"docker", "volume", "ls", "-q", "--filter", filter}).out))
    out.push_back("volume " + l);
  return out;
}

TEST(EngineFaults, FullDiskDuringIoKeepsTheResultsSoFar) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a dockerd of its own, a tmpfs mount)";
  const std::string image = "moat/bench:bookworm";
  if (moat::test::run_process({"docker", "image", "inspect", image}).exit_code != 0)
    GTEST_SKIP() << image << " is not in the engine: moat image prepare bench";
  TempDir dir("msb-io-full");
  SmallTmpfs disk(dir.path() / "disk", "16m");  // the quick profile's fio files are 32 MiB
  const std::string run_id = std::string(kRunId) + "-io-full-" + std::to_string(::getpid());
  auto r =
      run_moat({"bench", "--runtimes", "runc", "--suite", "io", "--warmup", "0", "--repetitions", "1", "--run-id",
                run_id, "--out", (dir.path() / "out").string(), "--workdir", (dir.path() / "disk" / "work").string()});
  EXPECT_EQ(r.exit_code, 0) << "failed samples are results: " << r.err;
  const auto samples = samples_of(dir.path() / "out" / "results.jsonl");
  std::size_t ok = 0;
  std::size_t full = 0;
  for (const auto& s : samples) {
    const std::string metric = s.value("metric", "");
    if (s.value("ok", false)) {
      ++ok;
    } else if (metric.find(".workspace.") != std::string::npos) {
      ++full;
      const std::string error = s.value("error", "");
      EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
      EXPECT_NE(error.find("No space left on device"), std::string::npos) << "says the disk is full: " << error;
    } else {
      ADD_FAILURE() << "only the workspace is on the full disk: " << s.dump();
    }
  }
  std::cout << "io on a 16 MiB workdir: " << ok << " ok, " << full << " failed (disk full)\n";
  EXPECT_GT(ok, 0u) << "the results on the other locations are kept";
  EXPECT_GT(full, 0u) << "the workspace writes failed";
  EXPECT_TRUE(fs::exists(dir.path() / "out" / "results.json"));
  EXPECT_TRUE(shared_engine_objects(run_id).empty()) << "the run removed its sandboxes and volumes";
}

}  // namespace
