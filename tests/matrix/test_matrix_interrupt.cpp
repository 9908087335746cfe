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

struct Interrupted {
  moat::test::ProcessResult result;
  std::size_t objects_when_signalled = 0;
};

// Runs `moat matrix` on runc and sends `signal` once the run has an object in
// the engine (a probe's sandbox, volume or network).
Interrupted matrix_and_signal(const std::string& run_id, int signal) {
  const std::filesystem::path config = std::filesystem::temp_directory_path() / (run_id + ".json");
  std::ofstream(config) << "{}\n";
  struct Watch {
    std::atomic<std::size_t> seen{0};
    std::atomic<bool> child_done{false};
  };
  auto watch = std::make_shared<Watch>();
  moat::test::RunOptions options;
  options.kill_after = std::chrono::seconds(600);
  options.on_started = [signal, run_id, watch](int pid) {
    std::thread([pid, signal, run_id, watch] {
      DockerClient client;
      for (int i = 0; i < 3000 && watch->seen == 0 && !watch->child_done; ++i) {
        watch->seen = objects_of_run(client, run_id);
        if (watch->seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      // A child that already ended has no pid of its own any more.
      if (!watch->child_done) ::kill(pid, signal);
    }).detach();
  };
  Interrupted i;
  i.result = moat::test::run_process(
      {MOAT_BINARY, "--config", config.string(), "matrix", "--runtimes", "runc", "--run-id", run_id}, options);
  watch->child_done = true;
  i.objects_when_signalled = watch->seen;
  std::filesystem::remove(config);
  return i;
}

std::string run_id_for(const char* what) {
  return std::string("test-matrix-") + what + "-" + std::to_string(::getpid());
}

TEST(MatrixInterrupt, CtrlCAndSigtermExit130AndLeaveNothing) {
  DockerClient client;
  for (int sig : {SIGINT, SIGTERM}) {
    const std::string run_id = run_id_for(sig == SIGINT ? "int" : "term");
    auto i = matrix_and_signal(run_id, sig);
    EXPECT_GT(i.objects_when_signalled, 0U) << "the signal came before the run created anything: proves nothing";
    EXPECT_EQ(i.result.exit_code, 130) << "signal " << sig << ": " << i.result.err;
    EXPECT_NE(i.result.err.find("interrupted"), std::string::npos) << i.result.err;
    EXPECT_EQ(objects_of_run(client, run_id), 0U) << "signal " << sig << " left objects of run " << run_id;
    if (objects_of_run(client, run_id) != 0)
      moat::test::run_process({MOAT_BINARY, "gc", "--run-id", run_id});  // keep the engine clean for the next test
  }
}

TEST(MatrixInterrupt, AKilledRunIsCleanedByGcRunId) {
  DockerClient client;
  const std::string run_id = run_id_for("kill");
  auto i = matrix_and_signal(run_id, SIGKILL);
  EXPECT_EQ(i.result.signal, SIGKILL) << i.result.err;
  EXPECT_GT(objects_of_run(client, run_id), 0U) << "the kill came too late to leave anything: proves nothing";
  auto gc = moat::test::run_process({MOAT_BINARY, "gc", "--run-id", run_id});
  EXPECT_EQ(gc.exit_code, 0) << gc.out << gc.err;
  EXPECT_EQ(objects_of_run(client, run_id), 0U);
}

}  // namespace
