#include "engine_test_support.hpp"

#include <moat/support/process.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace moat::engine::testing {

namespace fs = std::filesystem;

const std::string& run_id() {
  static const std::string id = [] {
    std::random_device device;
    return std::to_string(::getpid()) + "-" + std::to_string(device() % 1000000);
  }();
  return id;
}

std::map<std::string, std::string> run_labels() {
  return {{"moat.managed", "true"}, {kSuiteLabel, kSuiteValue}, {kRunLabel, run_id()}};
}

DockerClient make_client() {
  ClientOptions options = ClientOptions::from_environment();
  options.timeout = std::chrono::seconds(60);
  return DockerClient(options);
}

std::string unique_name(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "moat-test-" + stem + "-" + run_id() + "-" + std::to_string(counter++);
}

nlohmann::json container_config(const std::vector<std::string>& cmd) {
  return {{"Image", kBusyboxImage}, {"Cmd", cmd}, {"Labels", run_labels()}, {"HostConfig", {{"Init", false}}}};
}

RunObjectsGuard::~RunObjectsGuard() {
  try {
    auto client = make_client();
    const LabelFilter mine{{kRunLabel, run_id()}};
    for (const auto& container : client.list_containers(mine)) {
      client.remove_container(container.at("Id").get<std::string>(), true, true);
    }
    for (const auto& network : client.list_networks(mine)) {
      client.remove_network(network.at("Id").get<std::string>());
    }
    for (const auto& volume : client.list_volumes(mine)) {
      client.remove_volume(volume.at("Name").get<std::string>(), true);
    }
  } catch (const std::exception&) {
    // The final leftovers test reports what could not be removed.
  }
}

void run_command(const std::vector<std::string>& argv) {
  moat::support::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.out = spawn.err = moat::support::Output::null;
  moat::support::Process child(spawn);
  child.reap();
  if (moat::support::exit_code_of(child.wait_status()) != 0) throw std::runtime_error(argv[0] + " failed");
}

void ensure_busybox_image(DockerClient& client) {
  if (client.inspect_image(kBusyboxImage)) return;
  const fs::path busybox = "/bin/busybox";
  if (!fs::exists(busybox)) {
    throw std::runtime_error("/bin/busybox is missing: apt-get install busybox-static");
  }
  TempDir work("moat-test-busybox");
  const fs::path rootfs = work.path() / "rootfs";
  fs::create_directories(rootfs / "bin");
  fs::create_directories(rootfs / "tmp");
  fs::copy_file(busybox, rootfs / "bin" / "busybox");
  for (const char* applet : {"sh", "true", "cat", "sleep", "echo", "ls", "id", "head", "wc"}) {
    fs::create_symlink("busybox", rootfs / "bin" / applet);
  }
  const fs::path tarball = work.path() / "rootfs.tar";
  run_command({"tar", "-C", rootfs.string(), "-cf", tarball.string(), "."});
  client.import_image(tarball.string(), kBusyboxImage, {"CMD [\"/bin/sh\"]", "LABEL moat.managed=true"});
}

}  // namespace moat::engine::testing
