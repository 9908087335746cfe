// Ctrl-C (and SIGTERM) during `moat sandbox create --start`: the half-created
// sandbox is removed and moat exits 130. The service's own cancellation
// points are checked deterministically with a predicate that says "stop" as
// soon as the engine holds the container.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace moat::sandbox_test;
using moat::core::SandboxService;
using json = nlohmann::json;

namespace {

class CtrlC : public ::testing::TestWithParam<int> {};

TEST_P(CtrlC, DuringCreateStartLeavesNothing) {
  ensure_base_image();
  const int sig = GetParam();
  // The signal must land while moat works; if moat was faster than this
  // test's polling, try again (a finished create is removed first).
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string name = unique_name("sig" + std::to_string(sig));
    Cleanup cleanup(name);
    std::atomic<bool> signalled{false};
    moat::test::RunOptions options;
    options.on_started = [&](int pid) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (std::chrono::steady_clock::now() < deadline) {
        try {
          if (!client().list_containers({{moat::kNameLabel, name}}, true).empty()) {
            ::kill(pid, sig);
            signalled = true;
            return;
          }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    };
    std::vector<std::string> args = {"sandbox", "create", name, "--runtime", "runc", "--image", kBaseImage, "--start"};
    for (const auto& a : run_label()) args.push_back(a);
    auto r = run_moat(args, default_config(), options);
    if (r.exit_code == 0) {
      run_moat({"sandbox", "rm", name});
      continue;
    }
    EXPECT_TRUE(signalled);
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("moat: interrupted"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("removed again"), std::string::npos) << r.err;
    EXPECT_TRUE(engine_objects_of(name).empty()) << "the half-created sandbox was removed";
    return;
  }
  FAIL() << "moat finished before the signal could land, three times";
}

INSTANTIATE_TEST_SUITE_P(Signals, CtrlC, ::testing::Values(SIGINT, SIGTERM));

moat::SandboxInfo expect_cancelled(SandboxService& service, const moat::SandboxSpec& spec, bool start,
                                   std::string& message) {
  try {
    return service.create(spec, start);
  } catch (const moat::core::Cancelled& e) {
    message = e.what();
  }
  return {};
}

TEST(Cancel, AfterCreateBeforeStartRemovesIt) {
  ensure_base_image();
  const std::string name = unique_name("cancel-created");
  Cleanup cleanup(name);
  bool saw_it = false;
  SandboxService service(registry(), service_config(), [&] {
    saw_it = saw_it || client().find_container(name).has_value();
    return saw_it;
  });
  std::string message;
  expect_cancelled(service, base_spec(name, "runc"), true, message);
  EXPECT_TRUE(saw_it) << "the cancellation point after create was reached";
  EXPECT_NE(message.find("interrupted after sandbox '" + name + "' was created; it was removed again"),
            std::string::npos)
      << message;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(Cancel, AfterStartRemovesIt) {
  ensure_base_image();
  const std::string name = unique_name("cancel-started");
  Cleanup cleanup(name);
  bool saw_running = false;
  SandboxService service(registry(), service_config(), [&] {
    auto c = client().find_container(name);
    saw_running = saw_running || (c && (*c)["State"].value("Running", false));
    return saw_running;
  });
  std::string message;
  expect_cancelled(service, base_spec(name, "runc"), true, message);
  EXPECT_TRUE(saw_running);
  EXPECT_NE(message.find("after sandbox '" + name + "' started; it was removed again"), std::string::npos) << message;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(Cancel, BeforeAnythingCreatesNothing) {
  const std::string name = unique_name("cancel-early");
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config(), [] { return true; });
  std::string message;
  expect_cancelled(service, base_spec(name, "runc"), true, message);
  EXPECT_NE(message.find("before anything was created"), std::string::npos) << message;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// The engine cannot start the main process (its executable is not in the
// image: the OCI runtime's create fails, so the start call itself fails):
// the container and the volume moat created for it are removed again.
TEST(Cancel, AFailedStartRemovesWhatWasCreated) {
  ensure_base_image();
  const std::string name = unique_name("bad-start");
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  auto spec = base_spec(name, "runc");
  spec.command = {"/moat-no-such-executable"};
  spec.mounts.push_back(moat::Mount{"volume", name + "-data", "/data", false});
  auto e = expect_error([&] { service.create(spec, true); });
  EXPECT_TRUE(e.status() == MOAT_E_FAILED || e.status() == MOAT_E_INVALID) << e.status() << " " << e.what();
  EXPECT_NE(std::string(e.what()).find("/moat-no-such-executable"), std::string::npos) << e.what();
  EXPECT_TRUE(engine_objects_of(name).empty());
  EXPECT_FALSE(client().find_container(name).has_value());
  for (const auto& v : client().list_volumes({})) EXPECT_NE(v.value("Name", ""), name + "-data");
}

// A start succeeds once the engine has started the main process; that it
// exits right afterwards is the sandbox's state, not a failed start.
TEST(Cancel, AMainProcessThatExitsAfterStartIsState) {
  ensure_base_image();
  const std::string name = unique_name("exits");
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  auto spec = base_spec(name, "runc");
  spec.command = {"/bin/sh", "-c", "echo boom >&2; exit 3"};
  const moat::SandboxInfo created = service.create(spec, true);
  EXPECT_EQ(created.name, name);
  moat::SandboxInfo info;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    info = service.inspect(name);
    if (!info.running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_FALSE(info.running);
  EXPECT_EQ(info.state, "exited");
  EXPECT_EQ(client().inspect_container(name)["State"].value("ExitCode", -1), 3);
  EXPECT_NE(service.logs(name).stderr_data.find("boom"), std::string::npos);
  service.remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

}  // namespace
