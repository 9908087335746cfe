// The engine client's long calls give up soon after ClientOptions::cancelled
// says so (it is asked every 100 ms), with EngineInterrupted; short calls made
// afterwards (the cleanup) still reach the engine. Against the real engine.
#include "engine_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace moat::engine;
using namespace moat::engine::testing;
using Clock = std::chrono::steady_clock;

namespace {

class EngineCancel : public ::testing::Test {
 protected:
  void SetUp() override {
    ClientOptions options = make_client().options();
    options.cancelled = [this] { return cancel_.load(); };
    client_ = std::make_unique<DockerClient>(options);
    ensure_busybox_image(*client_);
    id_ = client_->create_container(unique_name("cancel"), container_config({"sleep", "1000"}));
    client_->start_container(id_);
  }

  // Says "cancelled" `after` from now, in the background.
  void cancel_after(std::chrono::milliseconds after) {
    canceller_ = std::thread([this, after] {
      std::this_thread::sleep_for(after);
      cancel_ = true;
    });
  }

  void TearDown() override {
    if (canceller_.joinable()) canceller_.join();
  }

  RunObjectsGuard guard_;
  std::atomic<bool> cancel_{false};
  std::thread canceller_;
  std::unique_ptr<DockerClient> client_;
  std::string id_;
};

TEST_F(EngineCancel, WaitContainerEndsSoonAfterTheCancellation) {
  cancel_after(std::chrono::milliseconds(300));
  const auto started = Clock::now();
  EXPECT_THROW(client_->wait_container(id_, "not-running", std::chrono::seconds(60)), EngineInterrupted);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  // Short calls still work afterwards: cleanup is not cancelled.
  EXPECT_TRUE(client_->inspect_container(id_)["State"].value("Running", false));
}

TEST_F(EngineCancel, ExecEndsSoonAfterTheCancellationAndKillsWhatItStarted) {
  cancel_after(std::chrono::milliseconds(500));
  const auto started = Clock::now();
  EXPECT_THROW(client_->exec(id_, {"sh", "-c", "sleep 1000 & sleep 1000"}), EngineInterrupted);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  cancel_ = false;
  // The test image has no ps: the command lines from /proc, NULs as spaces.
  std::string ps = client_->exec(id_, {"sh", "-c", "for f in /proc/[0-9]*/cmdline; do cat $f; echo; done"}).stdout_data;
  for (char& c : ps)
    if (c == '\0') c = ' ';
  std::size_t sleepers = 0;
  for (auto at = ps.find("sleep 1000"); at != std::string::npos; at = ps.find("sleep 1000", at + 1)) ++sleepers;
  EXPECT_EQ(sleepers, 1u) << "only the main process sleeps:\n" << ps;
}

TEST_F(EngineCancel, AnExecCarriesItsMarker) {
  const auto out = client_->exec(id_, {"sh", "-c", "echo $MOAT_EXEC_ID"});
  EXPECT_GT(out.stdout_data.size(), 10u);
  EXPECT_FALSE(out.truncated);
}

}  // namespace
