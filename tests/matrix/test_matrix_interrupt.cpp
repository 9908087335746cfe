// `moat matrix` through the real binary, interrupted while its probes have
// sandboxes in the engine: Ctrl-C and SIGTERM exit 130 and leave nothing of
// the run; after SIGKILL, `moat gc --run-id` removes what the run left.
#include "run_process.hpp"

#include <moat/engine/docker_client.hpp>
#include <moat/model.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#ifndef MOAT_BINARY
#error "MOAT_BINARY must name the moat executable"
#endif

namespace {

using moat::engine::DockerClient;

std::size_t objects_of_run(DockerClient& client, const std::string& run_id) {
  const moat::engine::LabelFilter f = {{moat::kRunIdLabel, run_id}};
  return client.list_containers(f, true).size() + client.list_volumes(f).size() + client.list_networks(f).size();
}

// True when the engine runs a container of the run: the run is inside a
// probe, neither before its first object nor in its final cleanup.
bool runs_a_container(DockerClient& client, const std::string& run_id) {
  const moat::engine::LabelFilter f = {{moat::kRunIdLabel, run_id}};
  for (const auto& c : client.list_containers(f, false))
    if (c.value("State", "") == "running") return true;
  return false;
}

struct Interrupted {
  moat::test::ProcessResult result;
  bool signalled = false;  // sent while a container of the run was running
};

// Runs `moat matrix` on runc and sends `signal` once a container of the run
// is running in the engine (a probe's sandbox).
Interrupted matrix_and_signal(const std::string& run_id, int signal) {
  const std::filesystem::path config = std::filesystem::temp_directory_path() / (run_id + ".json");
  std::ofstream(config) << "{}\n";
  struct Watch {
    std::atomic<bool> signalled{false};
    std::atomic<bool> child_done{false};
  };
  auto watch = std::make_shared<Watch>();
  moat::test::RunOptions options;
  options.kill_after = std::chrono::seconds(600);
  options.on_started = [signal, run_id, watch](int pid) {
    std::thread([pid, signal, run_id, watch] {
      DockerClient client;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
      while (!watch->child_done && std::chrono::steady_clock::now() < deadline) {
        try {
          // run_process reaps the child only as it returns, and child_done is
          // set right after: the pid cannot name another process before.
          if (runs_a_container(client, run_id) && !watch->child_done) {
            ::kill(pid, signal);
            watch->signalled = true;
            return;
          }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }).detach();
  };
  Interrupted i;
  i.result = moat::test::run_process(
      {MOAT_BINARY, "--config", config.string(), "matrix", "--runtimes", "runc", "--run-id", run_id}, options);
  watch->child_done = true;
  i.signalled = watch->signalled;
  std::filesystem::remove(config);
  return i;
}

std::string run_id_for(const std::string& what) { return "test-matrix-" + what + "-" + std::to_string(::getpid()); }

void gc_run(const std::string& run_id) { moat::test::run_process({MOAT_BINARY, "gc", "--run-id", run_id}); }

constexpr int kAttempts = 3;

TEST(MatrixInterrupt, CtrlCAndSigtermExit130AndLeaveNothing) {
  DockerClient client;
  for (int sig : {SIGINT, SIGTERM}) {
    // The signal must land while a probe runs; if the run was past its last
    // probe when it landed, or finished first, try again.
    bool checked = false;
    for (int attempt = 0; attempt < kAttempts && !checked; ++attempt) {
      const std::string run_id = run_id_for((sig == SIGINT ? "int" : "term") + std::to_string(attempt));
      auto i = matrix_and_signal(run_id, sig);
      if (!i.signalled || i.result.exit_code == 0) {
        gc_run(run_id);
        continue;
      }
      checked = true;
      EXPECT_EQ(i.result.exit_code, 130) << "signal " << sig << ": " << i.result.err;
      EXPECT_NE(i.result.err.find("interrupted"), std::string::npos) << i.result.err;
      EXPECT_EQ(objects_of_run(client, run_id), 0U) << "signal " << sig << " left objects of run " << run_id;
      if (objects_of_run(client, run_id) != 0) gc_run(run_id);  // keep the engine clean for the next test
    }
    EXPECT_TRUE(checked) << "signal " << sig << " never landed while a probe ran, " << kAttempts << " times";
  }
}

TEST(MatrixInterrupt, AKilledRunIsCleanedByGcRunId) {
  DockerClient client;
  // SIGKILL while a probe's container runs leaves it behind, unless a remove
  // moat had already sent completes anyway: then try again.
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::string run_id = run_id_for("kill" + std::to_string(attempt));
    auto i = matrix_and_signal(run_id, SIGKILL);
    if (!i.signalled || objects_of_run(client, run_id) == 0) {
      gc_run(run_id);
      continue;
    }
    EXPECT_EQ(i.result.signal, SIGKILL) << i.result.err;
    auto gc = moat::test::run_process({MOAT_BINARY, "gc", "--run-id", run_id});
    EXPECT_EQ(gc.exit_code, 0) << gc.out << gc.err;
    EXPECT_EQ(objects_of_run(client, run_id), 0U);
    return;
  }
  FAIL() << "SIGKILL never left an object of the run behind, " << kAttempts << " times";
}

}  // namespace
