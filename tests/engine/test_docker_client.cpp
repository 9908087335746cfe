// Integration tests of the Docker Engine client against the machine's engine
// (/var/run/docker.sock, or DOCKER_HOST=unix://...). No mocks: every object is
// real, labelled with this run's id, and removed by RunObjectsGuard.
#include <moat/engine/docker_client.hpp>

#include <gtest/gtest.h>

#include "engine_test_support.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <string>
#include <vector>

namespace {

using moat::engine::ClientOptions;
using moat::engine::DockerClient;
using moat::engine::EngineError;
using moat::engine::LabelFilter;
using namespace moat::engine::testing;
using json = nlohmann::json;

class Engine : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_unique<DockerClient>(make_client());
    ensure_busybox_image(*client_);
  }

  // Creates and starts a long-running busybox container of this run.
  std::string start_sleeper() {
    std::string id = client().create_container(unique_name("sleeper"), container_config({"sleep", "1000"}));
    client().start_container(id);
    return id;
  }

  DockerClient& client() { return *client_; }

  RunObjectsGuard guard_;  // declared first: cleans up after the client is gone
  std::unique_ptr<DockerClient> client_;
};

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(EngineOptions, DockerHostUnixSocketIsHonoured) {
  ScopedEnv env("DOCKER_HOST", "unix:///run/other/docker.sock");
  EXPECT_EQ(ClientOptions::from_environment().socket_path, "/run/other/docker.sock");
}

TEST(EngineOptions, DockerHostTcpIsRefusedClearly) {
  ScopedEnv env("DOCKER_HOST", "tcp://10.0.0.1:2375");
  try {
    (void)ClientOptions::from_environment();
    FAIL() << "tcp:// accepted";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
    EXPECT_NE(std::string(e.what()).find("tcp://10.0.0.1:2375"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unix"), std::string::npos) << e.what();
  }
}

TEST(EngineOptions, DockerHostRelativePathIsRefused) {
  ScopedEnv env("DOCKER_HOST", "unix://docker.sock");
  EXPECT_THROW((void)ClientOptions::from_environment(), EngineError);
}

TEST(EngineDown, MissingSocketIsUnavailableAndNamesThePath) {
  ClientOptions options;
  options.socket_path = "/nonexistent/moat-test/docker.sock";
  DockerClient client(options);
  try {
    (void)client.info();
    FAIL() << "no error from a missing socket";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
    EXPECT_EQ(e.http_status(), 0);
    const std::string message = e.what();
    EXPECT_NE(message.find("unix:///nonexistent/moat-test/docker.sock"), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
    EXPECT_NE(message.find("DOCKER_HOST"), std::string::npos) << message;
  }
}

TEST(EngineDown, SocketWithoutListenerIsUnavailable) {
  TempDir dir("moat-test-sock");
  const auto path = dir.path() / "dead.sock";
  std::ofstream(path).put('x');  // a plain file: connect() is refused
  ClientOptions options;
  options.socket_path = path.string();
  DockerClient client(options);
  try {
    (void)client.api_version();
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST_F(Engine, NegotiatesAVersionBetweenFloorAndCeiling) {
  const std::string version = client().api_version();
  std::smatch match;
  ASSERT_TRUE(std::regex_match(version, match, std::regex(R"(1\.(\d+))"))) << version;
  const int minor = std::stoi(match[1]);
  EXPECT_GE(minor, 41);
  EXPECT_LE(minor, 44);
  // The engine's own maximum, when at or under our ceiling, is what we use.
  const int server_minor = std::stoi(client().version().at("ApiVersion").get<std::string>().substr(2));
  EXPECT_EQ(minor, std::min(server_minor, 44));
}

TEST_F(Engine, ConfiguredApiVersionIsUsedAsIs) {
  ClientOptions options = client().options();
  options.api_version = "1.41";
  DockerClient pinned(options);
  EXPECT_EQ(pinned.api_version(), "1.41");
  EXPECT_TRUE(pinned.info().contains("Runtimes"));
}

TEST_F(Engine, ConfiguredApiVersionBelowFloorIsRefused) {
  ClientOptions options = client().options();
  options.api_version = "1.40";
  DockerClient pinned(options);
  try {
    (void)pinned.info();
    FAIL() << "1.40 accepted";
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("1.41"), std::string::npos) << e.what();
  }
}

TEST_F(Engine, InfoListsRuntimes) {
  const json info = client().info();
  ASSERT_TRUE(info.contains("Runtimes")) << info.dump();
  EXPECT_TRUE(info["Runtimes"].contains("runc")) << info["Runtimes"].dump();
  EXPECT_FALSE(info.value("DefaultRuntime", "").empty());
}

TEST_F(Engine, FullContainerLifecycle) {
  const std::string name = unique_name("lifecycle");
  json config = container_config({"sh", "-c", "echo hello; echo oops >&2; exec sleep 1000"});
  const std::string id = client().create_container(name, config);
  ASSERT_FALSE(id.empty());

  const json created = client().inspect_container(id);
  EXPECT_EQ(created["Config"]["Labels"].value("moat.managed", ""), "true");
  EXPECT_EQ(created["State"].value("Status", ""), "created");

  client().start_container(id);
  client().start_container(id);  // already running (304) is not an error
  EXPECT_TRUE(client().inspect_container(id)["State"].value("Running", false));

  const auto result = client().exec(id, {"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.stdout_data, "out\n");
  EXPECT_EQ(result.stderr_data, "err\n");

  const auto logs = client().logs(id);
  EXPECT_EQ(logs.stdout_data, "hello\n");
  EXPECT_EQ(logs.stderr_data, "oops\n");

  client().stop_container(id, 1);
  EXPECT_FALSE(client().inspect_container(id)["State"].value("Running", true));
  client().stop_container(id, 1);  // already stopped (304) is not an error

  client().restart_container(id, 1);
  EXPECT_TRUE(client().inspect_container(id)["State"].value("Running", false));
  EXPECT_EQ(client().exec(id, {"true"}).exit_code, 0);

  client().kill_container(id);
  EXPECT_EQ(client().wait_container(id), 137);  // 128 + SIGKILL
  EXPECT_FALSE(client().inspect_container(id)["State"].value("Running", true));

  client().remove_container(id);
  EXPECT_FALSE(client().find_container(id).has_value());
}

TEST_F(Engine, ExecKeepsLargeOutputIntact) {
  const std::string id = start_sleeper();
  const auto size = std::filesystem::file_size("/bin/busybox");
  const auto result = client().exec(id, {"cat", "/bin/busybox"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_data.size(), size);
  EXPECT_TRUE(result.stderr_data.empty());
}

TEST_F(Engine, ExecPassesEnvWorkdirAndUser) {
  const std::string id = start_sleeper();
  moat::engine::ExecOptions options;
  options.env = {"MOAT_X=forty-two"};
  options.workdir = "/tmp";
  options.user = "1234";
  const auto result = client().exec(id, {"sh", "-c", "echo $MOAT_X $(pwd) $(id -u)"}, options);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_EQ(result.stdout_data, "forty-two /tmp 1234\n");
}

TEST_F(Engine, ExecOfAMissingCommandFails) {
  const std::string id = start_sleeper();
  // The engine reports this either as an error answer or as exit code 126/127.
  try {
    const auto result = client().exec(id, {"/no/such/program"});
    EXPECT_NE(result.exit_code, 0);
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/program"), std::string::npos) << e.what();
  }
}

TEST_F(Engine, ExecTimeoutIsReportedAsTimeout) {
  const std::string id = start_sleeper();
  moat::engine::ExecOptions options;
  options.timeout = std::chrono::milliseconds(200);
  try {
    (void)client().exec(id, {"sleep", "5"}, options);
    FAIL() << "exec of sleep 5 returned within 200 ms";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_TIMEOUT);
    EXPECT_NE(std::string(e.what()).find("sleep 5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("200 ms"), std::string::npos) << e.what();
  }
  // The client stays usable after a timed-out request.
  EXPECT_EQ(client().exec(id, {"true"}).exit_code, 0);
}

TEST_F(Engine, RequestTimeoutIsReportedAsTimeout) {
  const std::string id = start_sleeper();
  try {
    (void)client().wait_container(id, "not-running", std::chrono::milliseconds(200));
    FAIL() << "wait on a running container returned";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_TIMEOUT);
    EXPECT_NE(std::string(e.what()).find("/wait"), std::string::npos) << e.what();
  }
}

TEST_F(Engine, WaitDoesNotBlockOtherRequests) {
  const std::string id = start_sleeper();
  auto waited = std::async(std::launch::async, [this, &id] { return client().wait_container(id); });
  // Ordinary requests keep flowing while the wait holds its own connection.
  EXPECT_EQ(client().exec(id, {"true"}).exit_code, 0);
  EXPECT_TRUE(client().info().contains("Runtimes"));
  client().kill_container(id);
  EXPECT_EQ(waited.get(), 137);
}

TEST_F(Engine, MissingObjectsAreNotFound) {
  const std::string missing = unique_name("missing");
  try {
    (void)client().inspect_container(missing);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
    EXPECT_EQ(e.http_status(), 404);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_FALSE(client().find_container(missing).has_value());
  EXPECT_FALSE(client().inspect_image("moat-test/no-such-image:never").has_value());
  try {
    client().start_container(missing);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  }
  try {
    (void)client().create_container(unique_name("noimage"),
                                    json{{"Image", "moat-test/no-such-image:never"}, {"Labels", run_labels()}});
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  }
}

TEST_F(Engine, NameConflictIsConflict) {
  const std::string name = unique_name("twin");
  (void)client().create_container(name, container_config({"true"}));
  try {
    (void)client().create_container(name, container_config({"true"}));
    FAIL() << "second container with the same name created";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
    EXPECT_EQ(e.http_status(), 409);
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST_F(Engine, KillingAStoppedContainerIsConflict) {
  const std::string id = client().create_container(unique_name("idle"), container_config({"true"}));
  try {
    client().kill_container(id);
    FAIL() << "kill of a created container succeeded";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
  }
}

TEST_F(Engine, UnknownRuntimeCarriesTheEngineMessage) {
  json config = container_config({"true"});
  config["HostConfig"]["Runtime"] = "moat-no-such-runtime";
  const std::string name = unique_name("badruntime");
  try {
    (void)client().create_container(name, config);
    FAIL() << "unknown runtime accepted";
  } catch (const EngineError& e) {
    EXPECT_GE(e.http_status(), 400);
    EXPECT_NE(std::string(e.what()).find("moat-no-such-runtime"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(client().find_container(name).has_value());
}

TEST_F(Engine, VolumesCreateListRemove) {
  const std::string name = unique_name("vol");
  client().create_volume(name, run_labels());
  const auto listed = client().list_volumes({{kRunLabel, run_id()}});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].value("Name", ""), name);
  EXPECT_TRUE(client().list_volumes({{kRunLabel, "some-other-run"}}).empty());

  // In use by a container: removal is a conflict.
  json config = container_config({"sleep", "1000"});
  config["HostConfig"]["Binds"] = {name + ":/data"};
  const std::string id = client().create_container(unique_name("voluser"), config);
  client().start_container(id);
  EXPECT_EQ(client().exec(id, {"sh", "-c", "echo kept > /data/f && cat /data/f"}).stdout_data, "kept\n");
  try {
    client().remove_volume(name);
    FAIL() << "volume in use removed";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
  }
  client().remove_container(id);
  client().remove_volume(name);
  EXPECT_TRUE(client().list_volumes({{kRunLabel, run_id()}}).empty());
}

TEST_F(Engine, NetworksCreateConnectDisconnectRemove) {
  const std::string name = unique_name("net");
  const std::string network = client().create_network(name, run_labels(), true);
  ASSERT_FALSE(network.empty());
  const auto listed = client().list_networks({{kRunLabel, run_id()}});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].value("Name", ""), name);
  EXPECT_TRUE(listed[0].value("Internal", false));

  try {
    (void)client().create_network(name, run_labels());
    FAIL() << "duplicate network created";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
  }

  const std::string id = start_sleeper();
  client().connect_network(name, id);
  EXPECT_TRUE(client().inspect_container(id)["NetworkSettings"]["Networks"].contains(name));
  client().disconnect_network(network, id);
  EXPECT_FALSE(client().inspect_container(id)["NetworkSettings"]["Networks"].contains(name));

  client().remove_container(id);
  client().remove_network(network);
  EXPECT_TRUE(client().list_networks({{kRunLabel, run_id()}}).empty());
  try {
    client().remove_network(network);
    FAIL() << "removed twice";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  }
}

TEST_F(Engine, ListContainersFiltersByLabel) {
  const std::string a = client().create_container(unique_name("list"), container_config({"true"}));
  const auto mine = client().list_containers({{kRunLabel, run_id()}});
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("Id", ""), a);
  EXPECT_TRUE(client().list_containers({{kRunLabel, "some-other-run"}}).empty());
}

TEST_F(Engine, ImportOfAnInvalidTarballRaisesTheEngineError) {
  TempDir dir("moat-test-import");
  const auto path = dir.path() / "not-a.tar";
  std::ofstream(path) << "this is not a tar archive, not even close\n";
  const std::string tag = "moat-test/broken:" + run_id();
  // Docker 20.10 refuses it with HTTP 500 "Error processing tar file(exit
  // status 1): unexpected EOF" and creates no image.
  try {
    client().import_image(path.string(), tag, {"LABEL moat.managed=true"});
    if (client().inspect_image(tag)) client().remove_image(tag, true);
    FAIL() << "the engine accepted a file that is not a tar archive";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.http_status(), 500) << e.what();
    EXPECT_NE(std::string(e.what()).find("Error processing tar file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(client().inspect_image(tag).has_value()) << "a failed import left an image";
}

TEST_F(Engine, ImportOfAMissingFileFailsWithThePath) {
  try {
    client().import_image("/nonexistent/moat-test.tar", "moat-test/missing:" + run_id());
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/moat-test.tar"), std::string::npos) << e.what();
  }
}

TEST_F(Engine, BusyboxImageCarriesItsChanges) {
  const auto image = client().inspect_image(kBusyboxImage);
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ((*image)["Config"]["Cmd"], json::array({"/bin/sh"}));
  EXPECT_EQ((*image)["Config"]["Labels"].value("moat.managed", ""), "true");
}

TEST_F(Engine, CommitSnapshotsAContainer) {
  const std::string id = start_sleeper();
  ASSERT_EQ(client().exec(id, {"sh", "-c", "echo snap > /tmp/marker"}).exit_code, 0);
  const std::string tag = "moat-test/commit:" + run_id();
  const std::string image = client().commit_container(id, tag, {"LABEL moat.managed=true"});
  EXPECT_FALSE(image.empty());
  const auto inspected = client().inspect_image(tag);
  ASSERT_TRUE(inspected.has_value());
  // The container's own command is inherited, not replaced by an empty one.
  EXPECT_EQ((*inspected)["Config"]["Cmd"], json::array({"sleep", "1000"}));

  json config = container_config({"cat", "/tmp/marker"});
  config["Image"] = tag;
  const std::string copy = client().create_container(unique_name("fromsnap"), config);
  client().start_container(copy);
  EXPECT_EQ(client().wait_container(copy), 0);
  EXPECT_EQ(client().logs(copy).stdout_data, "snap\n");
  client().remove_container(copy);
  client().remove_image(tag);
  EXPECT_FALSE(client().inspect_image(tag).has_value());
}

TEST_F(Engine, ManySequentialRequestsReuseConnections) {
  // A client of its own, so only these requests count.
  DockerClient fresh = make_client();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(fresh.info().is_object());
  // One connection, kept alive; a second only should the engine drop an idle one.
  EXPECT_GE(fresh.connections_opened(), 1U);
  EXPECT_LE(fresh.connections_opened(), 2U) << "sequential requests do not reuse the keep-alive connection";
}

TEST_F(Engine, ConcurrentCallsFromSeveralThreads) {
  const std::string id = start_sleeper();
  std::vector<std::future<int>> runs;
  runs.reserve(4);
  for (int i = 0; i < 4; ++i) {
    runs.push_back(std::async(std::launch::async, [this, &id, i] {
      return client().exec(id, {"sh", "-c", "exit " + std::to_string(i)}).exit_code;
    }));
  }
  for (int i = 0; i < 4; ++i) EXPECT_EQ(runs[i].get(), i);
}

}  // namespace
