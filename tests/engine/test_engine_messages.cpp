// What moat's error translation relies on in the real engine's answers, each
// pinned against the Docker version it was checked with (the test names say
// which). DockerRuntime decides by HTTP status and structured queries; the
// only words it still looks for in an engine message are the OCI runtime's
// own text inside a 500 (gVisor's netns failure), pinned here too.
#include <moat/engine/docker_client.hpp>

#include <gtest/gtest.h>

#include "engine_test_support.hpp"

#include <string>

namespace {

using moat::engine::DockerClient;
using moat::engine::EngineError;
using namespace moat::engine::testing;
using json = nlohmann::json;

// The words the gvisor plugin looks for (plugins/gvisor/gvisor_runtime.cpp, kNetnsError).
constexpr const char* kRunscNetnsError = "cannot run with network enabled in root network namespace";

class EngineMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_unique<DockerClient>(make_client());
    ensure_busybox_image(*client_);
  }
  DockerClient& client() { return *client_; }

  // The engine's error from `call`; fails the test when there is none.
  template <typename Call>
  std::optional<EngineError> error_of(Call&& call) {
    try {
      call();
    } catch (const EngineError& e) {
      return e;
    }
    return std::nullopt;
  }

  RunObjectsGuard guard_;
  std::unique_ptr<DockerClient> client_;
};

// runsc releases before 2024-08 cannot network on kernels >= 6.11; the engine
// reports the OCI runtime's text inside a 500 from start, and nothing else
// (no code, no field) says which failure it is.
TEST_F(EngineMessages, Docker20_10_RunscNetnsFailureIsA500ThatSaysSo) {
  const json info = client().info();
  if (!info.contains("Runtimes") || !info["Runtimes"].contains("runsc"))
    GTEST_SKIP() << "runsc is not registered with this engine";
  json config = container_config({"true"});
  config["HostConfig"]["Runtime"] = "runsc";
  const std::string id = client().create_container(unique_name("runsc-netns"), config);
  auto e = error_of([&] { client().start_container(id); });
  if (!e) GTEST_SKIP() << "runsc networks on this host (a current gVisor, or a kernel < 6.11): the case does not arise";
  EXPECT_EQ(e->http_status(), 500) << e->what();
  EXPECT_NE(std::string(e->what()).find(kRunscNetnsError), std::string::npos) << e->what();
}

// What the create-and-start rollback tests use to make a start fail at the
// engine: runc's create cannot exec the main process, so start fails (400 in
// Docker 20.10) and the container never runs.
TEST_F(EngineMessages, Docker20_10_MissingExecutableFailsTheStart) {
  const std::string id =
      client().create_container(unique_name("noexe"), container_config({"/moat-no-such-executable"}));
  auto e = error_of([&] { client().start_container(id); });
  ASSERT_TRUE(e.has_value()) << "start of a missing executable succeeded";
  EXPECT_GE(e->http_status(), 400) << e->what();
  EXPECT_NE(std::string(e->what()).find("/moat-no-such-executable"), std::string::npos) << e->what();
  EXPECT_FALSE(client().inspect_container(id)["State"].value("Running", true));
}

// An unregistered runtime: 400 at create, and /info does not list it (the
// structured fact DockerRuntime::translate asks for instead of the words).
TEST_F(EngineMessages, Docker20_10_UnknownRuntimeIsA400AndAbsentFromInfo) {
  json config = container_config({"true"});
  config["HostConfig"]["Runtime"] = "moat-no-such-runtime";
  auto e = error_of([&] { (void)client().create_container(unique_name("badrt"), config); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->http_status(), 400) << e->what();
  EXPECT_FALSE(client().info()["Runtimes"].contains("moat-no-such-runtime"));
}

// A missing image: 404 at create, and inspecting the image says so too.
TEST_F(EngineMessages, Docker20_10_MissingImageIsA404AtCreate) {
  auto e = error_of([&] {
    (void)client().create_container(unique_name("noimg"),
                                    json{{"Image", "moat-test/no-such-image:never"}, {"Labels", run_labels()}});
  });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->http_status(), 404) << e->what();
  EXPECT_FALSE(client().inspect_image("moat-test/no-such-image:never").has_value());
}

// Connecting to a network that does not exist: 404 while the container exists.
TEST_F(EngineMessages, Docker20_10_ConnectToAMissingNetworkIsA404) {
  const std::string id = client().create_container(unique_name("net"), container_config({"sleep", "60"}));
  client().start_container(id);
  auto e = error_of([&] { client().connect_network("moat-test-no-such-network", id); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->http_status(), 404) << e->what();
  EXPECT_TRUE(client().find_container(id).has_value());
}

}  // namespace
