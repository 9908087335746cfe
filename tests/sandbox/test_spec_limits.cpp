// ABI 1.1's SandboxSpec fields on the real engine (issue #13): resource
// limits really apply (a memory hog is killed at the limit, the CPU quota is
// in the sandbox's host cgroup, a fork bomb stops at the pids limit), the
// restart policy restarts, a published port answers, --entrypoint replaces
// the image's, and a runtime that does not declare a field refuses it (65)
// instead of dropping it. On runc and on gVisor, whose limits cover the whole
// sandbox (Sentry and Gofer included), so reaching one ends the sandbox.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

using namespace moat::sandbox_test;
using moat::core::SandboxService;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kMiB = std::int64_t{1024} * 1024;

moat::ExecRequest sh_request(const std::string& name, const std::string& script) {
  moat::ExecRequest r;
  r.name = name;
  r.argv = {"/bin/sh", "-c", script};
  r.timeout_s = 120;
  return r;
}

// The sandbox's main process as the host sees it (for gVisor: the sandbox
// process that holds the Sentry).
int host_pid(const std::string& name) {
  const auto inspect = client().inspect_container(name);
  return inspect.at("State").at("Pid").get<int>();
}

// The host cgroup directory of `pid` for `controller`: the controller's own
// hierarchy on cgroup v1, the unified one on v2.
fs::path cgroup_dir(int pid, const std::string& controller) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  std::string unified;
  while (std::getline(in, line)) {
    const auto a = line.find(':');
    const auto b = line.find(':', a + 1);
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (controllers.empty()) unified = path;
    std::stringstream list(controllers);
    for (std::string c; std::getline(list, c, ',');)
      if (c == controller) return fs::path("/sys/fs/cgroup") / controller / path.substr(1);
  }
  return fs::path("/sys/fs/cgroup") / unified.substr(unified.empty() ? 0 : 1);
}

std::string read_first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// The CPU quota of a cgroup, in CPUs: v2's cpu.max "50000 100000", or v1's
// cfs_quota_us over cfs_period_us.
double cpu_quota(const fs::path& dir) {
  if (fs::exists(dir / "cpu.max")) {
    std::istringstream max(read_first_line(dir / "cpu.max"));
    double quota = 0;
    double period = 1;
    max >> quota >> period;
    return quota / period;
  }
  return std::stod(read_first_line(dir / "cpu.cfs_quota_us")) / std::stod(read_first_line(dir / "cpu.cfs_period_us"));
}

class RealLimits : public ::testing::TestWithParam<std::string> {
 protected:
  // A started sandbox of the parameter's runtime with `limits`.
  moat::SandboxInfo create(SandboxService& service, const std::string& name, const moat::ResourceLimits& limits) {
    ensure_base_image();
    auto spec = base_spec(name, GetParam());
    spec.limits = limits;
    return service.create(spec, true);
  }
};

TEST_P(RealLimits, AMemoryHogIsKilledAtTheLimit) {
  const std::string name = unique_name("mem-" + GetParam());
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  const auto info = create(service, name, {.memory_bytes = 64 * kMiB});
  EXPECT_EQ(info.limits.memory_bytes, 64 * kMiB) << "inspect reports the limit the engine applied";

  // `tail` keeps a line in memory, and /dev/zero has no newline: without the
  // limit this ends with 0 after holding 256 MiB (the machine has 24 GiB).
  std::optional<moat::ExecResult> hog;
  try {
    hog = service.exec(sh_request(name, "head -c 256m /dev/zero | tail > /dev/null"));
  } catch (const moat::Error& e) {
    // gVisor: the kernel kills the sandbox's Sentry, and the exec with it;
    // the engine never ends that exec's stream, so moat watches the sandbox.
    EXPECT_EQ(GetParam(), "gvisor") << e.what();
    EXPECT_EQ(e.status(), MOAT_E_FAILED);
    EXPECT_NE(std::string(e.what()).find("ended with its sandbox, which the kernel killed for going past its memory "
                                         "limit (OOMKilled)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(hog && hog->exit_code == 0) << "the hog got past a 64 MiB limit";
  if (GetParam() == "runc") {
    ASSERT_TRUE(hog);
    EXPECT_EQ(hog->exit_code, 137) << "SIGKILL from the OOM killer: " << hog->stderr_data;
    EXPECT_TRUE(service.inspect(name).running) << "only the hog is killed; the sandbox lives on";
    EXPECT_EQ(service.exec(sh_request(name, "echo alive")).stdout_data, "alive\n");
  } else {
    EXPECT_FALSE(service.inspect(name).running) << "gVisor's limit covers the whole sandbox";
  }
  service.remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST_P(RealLimits, TheCpuLimitIsTheSandboxCgroupsQuota) {
  const std::string name = unique_name("cpu-" + GetParam());
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  const auto info = create(service, name, {.cpus = 0.5});
  EXPECT_EQ(info.limits.cpus, 0.5);
  EXPECT_DOUBLE_EQ(cpu_quota(cgroup_dir(host_pid(name), "cpu")), 0.5);
  if (GetParam() == "runc") {
    // Inside, the same cgroup is the sandbox's own.
    const auto r = service.exec(
        sh_request(name,
                   "cat /sys/fs/cgroup/cpu.max 2>/dev/null || "
                   "echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"));
    EXPECT_EQ(r.stdout_data, "50000 100000\n");
  }
  service.remove(name);
}

TEST_P(RealLimits, AForkBombStopsAtThePidsLimit) {
  const std::string name = unique_name("pids-" + GetParam());
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  // gVisor's Sentry and Gofer threads count against the limit too: below
  // about 50 the sandbox cannot start at all.
  const std::int64_t limit = GetParam() == "gvisor" ? 128 : 32;
  const auto info = create(service, name, {.pids = limit});
  EXPECT_EQ(info.limits.pids, limit);
  EXPECT_EQ(read_first_line(cgroup_dir(host_pid(name), "pids") / "pids.max"), std::to_string(limit));

  // 400 forks, each counted as it succeeds.
  std::string forked;
  try {
    const auto r = service.exec(
        sh_request(name, "i=0; while [ $i -lt 400 ]; do sleep 600 & i=$((i+1)); echo $i; done; echo all-forked"));
    forked = r.stdout_data;
    EXPECT_NE(r.stderr_data.find("can't fork"), std::string::npos) << r.stderr_data;
  } catch (const moat::Error& e) {
    EXPECT_EQ(GetParam(), "gvisor") << e.what();  // the limit ended the whole sandbox
    EXPECT_NE(std::string(e.what()).find("ended with its sandbox"), std::string::npos) << e.what();
  }
  EXPECT_EQ(forked.find("all-forked"), std::string::npos) << "400 processes in a sandbox limited to " << limit;
  const auto out = lines(forked);
  if (!out.empty()) EXPECT_LT(std::stoll(out.back()), limit) << forked;
  service.remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty()) << "the sleeps went with the sandbox";
}

std::string runtime_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Runtimes, RealLimits, ::testing::Values("runc", "gvisor"), runtime_name);

// on-failure:2: a main process that fails is started twice more, then left exited.
TEST(RealRestartPolicy, OnFailureRestartsTheMainProcessUpToItsCount) {
  ensure_base_image();
  const std::string name = unique_name("restart");
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  auto spec = base_spec(name, "runc");
  spec.restart = "on-failure:2";
  spec.command = {"sh", "-c", "echo run; exit 3"};
  EXPECT_EQ(service.create(spec, false).restart, "on-failure:2");
  service.start(name);
  int restarts = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (; std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    const auto c = client().inspect_container(name);
    restarts = c.at("RestartCount").get<int>();
    if (restarts == 2 && !c.at("State").at("Running").get<bool>() && !c.at("State").at("Restarting").get<bool>()) break;
  }
  EXPECT_EQ(restarts, 2);
  const auto log = service.logs(name);
  EXPECT_EQ(log.stdout_data, "run\nrun\nrun\n") << "the first run and two restarts";
  service.remove(name);
}

// A port published on 127.0.0.1 with no host port: the engine picks one,
// inspect says which, and a client on the host reaches the server inside.
class RealPorts : public ::testing::TestWithParam<std::string> {};

TEST_P(RealPorts, APublishedPortAnswersOnTheHost) {
  ensure_base_image();
  const std::string name = unique_name("port-" + GetParam());
  Cleanup cleanup(name);
  SandboxService service(registry(), service_config());
  auto spec = base_spec(name, GetParam());
  spec.ports = {{.container_port = 8080, .host_ip = "127.0.0.1"}};
  spec.command = {"sh", "-c", "mkdir -p /srv && echo hello-port > /srv/index.html && exec httpd -f -p 8080 -h /srv"};
  if (GetParam() == "gvisor" && service.availability("gvisor").engine_runtime == "runsc-nonet") {
    // This host's runsc cannot network (see the gvisor plugin): refused, not dropped.
    const auto e = expect_error([&] { service.create(spec, true); });
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
    EXPECT_NE(std::string(e.what()).find("ports: on this host gVisor sandboxes run on 'runsc-nonet'"),
              std::string::npos)
        << e.what();
    EXPECT_TRUE(engine_objects_of(name).empty());
    return;
  }
  const auto info = service.create(spec, true);
  ASSERT_EQ(info.ports.size(), 1u);
  EXPECT_EQ(info.ports[0].container_port, 8080);
  EXPECT_EQ(info.ports[0].host_ip, "127.0.0.1");
  ASSERT_NE(info.ports[0].host_port, 0) << "the engine's pick is reported";

  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (answer.find("hello-port") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(info.ports[0].host_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const std::string request = "GET / HTTP/1.0\r\n\r\n";
      if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
        std::array<char, 4096> buf{};
        for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) answer.append(buf.data(), n);
      }
    }
    ::close(fd);
    if (answer.find("hello-port") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(answer.find("hello-port"), std::string::npos) << answer;
  service.remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RealPorts, ::testing::Values("runc", "gvisor"), runtime_name);

// --entrypoint replaces the image's, and the words after '--' are its arguments.
TEST(CliCreate, EntrypointReplacesTheImagesAndTheCommandIsItsArguments) {
  ensure_base_image();
  const std::string name = unique_name("entry");
  Cleanup cleanup(name);
  std::vector<std::string> args = {"sandbox", "create",   name,           "--runtime", "runc",
                                   "--image", kBaseImage, "--entrypoint", "/bin/sh",   "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  for (const char* a : {"--", "-c", "echo entry says $0; sleep 600", "hi"}) args.emplace_back(a);
  auto created = run_moat(args);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const auto c = client().inspect_container(name);
  EXPECT_EQ(c["Config"]["Entrypoint"], nlohmann::json::array({"/bin/sh"}));
  EXPECT_EQ(c["Config"]["Cmd"], nlohmann::json::array({"-c", "echo entry says $0; sleep 600", "hi"}));
  std::string log;
  for (int i = 0; i < 50 && log.find("entry says hi") == std::string::npos; ++i) {
    log = run_moat({"sandbox", "logs", name}).out;
    if (log.find("entry says hi") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(log.find("entry says hi"), std::string::npos) << log;
  EXPECT_EQ(run_moat({"sandbox", "rm", name}).exit_code, 0);
}

// The limits flags on the CLI land in the engine's HostConfig as asked, and
// `sandbox inspect` shows them.
TEST(CliCreate, LimitsRestartAndPortsReachTheEngineAndInspectShowsThem) {
  ensure_base_image();
  const std::string name = unique_name("flags");
  Cleanup cleanup(name);
  std::vector<std::string> args = {"sandbox",
                                   "create",
                                   name,
                                   "--runtime",
                                   "runc",
                                   "--image",
                                   kBaseImage,
                                   "--cpus",
                                   "1.5",
                                   "--memory",
                                   "96m",
                                   "--pids-limit",
                                   "50",
                                   "--restart",
                                   "unless-stopped",
                                   "-p",
                                   "127.0.0.1::9000/udp"};
  for (const auto& a : run_label()) args.push_back(a);
  auto created = run_moat(args);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const auto hc = client().inspect_container(name)["HostConfig"];
  EXPECT_EQ(hc["NanoCpus"], 1'500'000'000);
  EXPECT_EQ(hc["Memory"], 96 * kMiB);
  EXPECT_EQ(hc["MemorySwap"], 96 * kMiB) << "swap counts against the limit";
  EXPECT_EQ(hc["PidsLimit"], 50);
  EXPECT_EQ(hc["RestartPolicy"]["Name"], "unless-stopped");
  EXPECT_EQ(hc["PortBindings"]["9000/udp"][0]["HostIp"], "127.0.0.1");
  auto shown = run_moat({"-o", "json", "sandbox", "inspect", name});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto doc = nlohmann::json::parse(shown.out)["sandbox"];
  EXPECT_EQ(doc["limits"], (nlohmann::json{{"cpus", 1.5}, {"memory_bytes", 96 * kMiB}, {"pids", 50}}));
  EXPECT_EQ(doc["restart"], "unless-stopped");
  EXPECT_EQ(doc["ports"][0]["container_port"], 9000);
  EXPECT_EQ(doc["ports"][0]["protocol"], "udp");
  auto table = run_moat({"sandbox", "inspect", name});
  EXPECT_NE(table.out.find("limits:          cpus 1.5, memory 96 MiB, pids 50"), std::string::npos) << table.out;
  EXPECT_EQ(run_moat({"sandbox", "rm", name}).exit_code, 0);
}

// No silent dropping: the host runtime declares neither limits nor ports nor
// a hostname, so the host refuses them before the plugin sees the request.
TEST(NoSilentDropping, AFieldTheRuntimeDoesNotDeclareIsRefusedWith65) {
  expect_create_refused("undeclared", {"--memory", "64m"},
                        {65, "limits.memory: runtime 'host' does not honour this field; leave it out"},
                        default_config(), "host");
  expect_create_refused("undeclared", {"-p", "8080"}, {65, "ports: runtime 'host' does not honour this field"},
                        default_config(), "host");
  expect_create_refused("undeclared", {"--hostname", "h"}, {65, "hostname: runtime 'host' does not honour"},
                        default_config(), "host");
  // Bad values are the spec's checks (65) and bad syntax the command line's (64).
  expect_create_refused("bad-limit", {"--memory", "1m"}, {65, "limits.memory: 1048576 bytes is below the 6 MiB"});
  expect_create_refused("bad-restart", {"--restart", "sometimes"},
                        {65, "restart: 'sometimes' is not a restart policy"});
  expect_create_refused("bad-publish", {"-p", "8000-8010"}, {64, "port ranges are not supported"});
}

}  // namespace
