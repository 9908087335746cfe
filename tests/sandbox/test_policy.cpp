// The host's safety policy (docs/configuration.md#safety-policy): what it
// refuses without configuration (exit 65, one line naming the key that allows
// it, nothing in the engine), what each key lets through, what `sandbox
// inspect` shows of it, and how the "policy" section is read.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

using namespace moat::sandbox_test;
using moat::core::SandboxService;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBindsKey = "to allow it, add it to policy.allow_host_binds in the configuration";

// A configuration with `policy` as its policy section.
fs::path policy_config(const std::string& file_name, const json& policy) {
  return write_config(file_name, {{"policy", policy}});
}

// `sandbox inspect NAME -o json`'s sandbox object.
json inspect_json(const std::string& name, const fs::path& config) {
  auto r = run_moat({"sandbox", "inspect", name, "-o", "json"}, config);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out, nullptr, false).value("sandbox", json::object());
}

// Creates and starts NAME on runc with `extra` under `config`; expects success.
void create_running(const std::string& name, std::vector<std::string> extra, const fs::path& config) {
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", "runc", "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  for (auto& e : extra) args.push_back(std::move(e));
  auto r = run_moat(args, config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// ---- refused by default --------------------------------------------------------

TEST(SandboxPolicy, SystemPathBindsAreRefusedByDefault) {
  for (const std::string path :
       {"/", "/etc", "/proc", "/sys", "/dev", "/boot", "/etc/ssl", "/proc/self", "/dev/null"}) {
    if (!fs::exists(path)) continue;
    SCOPED_TRACE(path);
    expect_create_refused("sys-bind", {"-v", path + ":/host:ro"}, {65, "host path '" + path + "'"});
    expect_create_refused("sys-bind", {"-v", path + ":/host:ro"}, {65, kBindsKey});
  }
  expect_create_refused("ws-etc", {"--workspace", "/etc"},
                        {65, "workspace: host path '/etc' is the protected host path '/etc'"});
  expect_create_refused("home-sys", {"--home", "/sys/kernel"},
                        {65, "home: host path '/sys/kernel' lies below the protected host path '/sys'"});
}

TEST(SandboxPolicy, EngineSocketAndDataRootBindsAreRefusedByDefault) {
  for (const std::string path : {"/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker"}) {
    if (!fs::exists(path)) continue;
    SCOPED_TRACE(path);
    expect_create_refused("engine-bind", {"-v", path + ":/host"}, {65, kBindsKey});
  }
  // A directory that contains one exposes it: /var holds /var/lib/docker.
  expect_create_refused("engine-parent", {"-v", "/var:/host"}, {65, "contains the protected host path '/var/"});
}

TEST(SandboxPolicy, ConfiguredEngineSocketAndProtectedPathsAreRefused) {
  TempDir d("msb-protected");
  fs::create_directories(d.path() / "engine");
  fs::create_directories(d.path() / "secrets" / "deep");
  const fs::path socket = d.path() / "engine" / "docker.sock";
  { std::ofstream(socket) << ""; }
  const auto config =
      write_config("protected.json", {{"engine", {{"socket", "unix://" + socket.string()}}},
                                      {"policy", {{"protected_paths", {(d.path() / "secrets").string()}}}}});
  expect_create_refused("conf-sock", {"-v", socket.string() + ":/s"},
                        {65, "is the protected host path '" + socket.string() + "'"}, config);
  expect_create_refused("conf-sock-dir", {"--workspace", (d.path() / "engine").string()}, {65, kBindsKey}, config);
  expect_create_refused("conf-secret", {"-v", (d.path() / "secrets" / "deep").string() + ":/s"},
                        {65, "lies below the protected host path '" + (d.path() / "secrets").string() + "'"}, config);
}

TEST(SandboxPolicy, TheEngineReportedDataRootIsProtected) {
  // What SandboxService asks the engine for (DockerRootDir) joins the defaults.
  TempDir root("msb-data-root");
  fs::create_directories(root.path() / "volumes");
  const auto paths = moat::core::protected_host_paths(std::nullopt, root.str(), {});
  EXPECT_NE(std::find(paths.begin(), paths.end(), fs::path("/var/lib/docker")), paths.end());
  auto spec = base_spec("msb-data-root", "runc");
  spec.workspace = (root.path() / "volumes").string();
  auto e = expect_error([&] { (void)moat::core::check_policy(spec, {}, paths); });
  EXPECT_EQ(e.status(), MOAT_E_INVALID);
  EXPECT_NE(std::string(e.what()).find("lies below the protected host path '" + root.str() + "'"), std::string::npos)
      << e.what();
  moat::core::PolicyConfig allow;
  allow.allow_host_binds = {root.path()};
  EXPECT_EQ(moat::core::check_policy(spec, allow, paths).host_binds,
            std::vector<std::string>{(root.path() / "volumes").string()});
}

TEST(SandboxPolicy, SymlinkIntoEtcIsRefused) {
  TempDir d("msb-link");
  fs::create_directory_symlink("/etc", d.path() / "etc-link");
  fs::create_directory_symlink("/etc/ssl", d.path() / "ssl-link");
  const std::string link = (d.path() / "etc-link").string();
  expect_create_refused("link-v", {"-v", link + ":/data"},
                        {65, "host path '" + link + "' (it resolves to '/etc') is the protected host path '/etc'"});
  expect_create_refused("link-ws", {"--workspace", link}, {65, kBindsKey});
  expect_create_refused("link-home", {"--home", (d.path() / "ssl-link").string()},
                        {65, "lies below the protected host path '/etc'"});
}

TEST(SandboxPolicy, HostNetworkIsRefusedByDefault) {
  expect_create_refused("net-host", {"--network", "host"},
                        {65, "network: 'host' gives the sandbox the host's network"});
  expect_create_refused("net-host", {"--network", "host"},
                        {65, "to allow it, set policy.allow_host_network: true in the configuration"});
}

TEST(SandboxPolicy, ContainerNetworkIsRefusedByDefault) {
  expect_create_refused("net-ctr", {"--network", "container:msb-any"},
                        {65, "to allow it, set policy.allow_container_network: true in the configuration"});
}

TEST(SandboxPolicy, HostPidAndIpcAreRefusedByDefault) {
  SandboxService service(registry(), service_config());
  for (const char* key : {"pid", "ipc"}) {
    const std::string name = unique_name(std::string("ns-") + key);
    Cleanup cleanup(name);
    auto spec = base_spec(name, "runc");
    spec.options[key] = "host";
    auto e = expect_error([&] { service.create(spec, true); });
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
    EXPECT_NE(std::string(e.what()).find(std::string("options.") + key + ": 'host'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string("set policy.allow_host_") + key + ": true"), std::string::npos)
        << e.what();
    EXPECT_TRUE(engine_objects_of(name).empty());
  }
}

TEST(SandboxPolicy, RefusedBeforeAnyPluginRuns) {
  // A volume asked for with a refused request is not created either.
  const std::string vol = unique_name("pol-vol");
  expect_create_refused("vol-net", {"--volume", vol + ":/data", "--network", "host"}, {65, "allow_host_network"});
  for (const auto& v : client().list_volumes({})) EXPECT_NE(v.value("Name", ""), vol);
}

TEST(SandboxPolicy, SpecCannotSetThePolicyLabel) {
  expect_create_refused("label", {"--label", "moat.policy={\"host_network\":true}"},
                        {65, "labels: 'moat.policy' is set by moat itself"});
}

// ---- allowed by its key ----------------------------------------------------------

TEST(SandboxPolicy, DefaultSandboxRecordsTheDefaultPolicy) {
  ensure_base_image();
  const std::string name = unique_name("pol-default");
  Cleanup cleanup(name);
  create_running(name, {}, default_config());
  const json p = inspect_json(name, default_config())["policy"];
  EXPECT_EQ(p, (json{{"host_binds", json::array()},
                     {"host_network", false},
                     {"host_pid", false},
                     {"host_ipc", false},
                     {"container_network", false}}));
  auto r = run_moat({"sandbox", "inspect", name});
  EXPECT_NE(r.out.find("policy:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default"), std::string::npos) << r.out;
}

TEST(SandboxPolicy, HostNetworkAllowedRunsOnRunc) {
  ensure_base_image();
  const auto config = policy_config("allow-net.json", {{"allow_host_network", true}});
  const std::string name = unique_name("pol-net");
  Cleanup cleanup(name);
  create_running(name, {"--network", "host"}, config);
  const json s = inspect_json(name, config);
  EXPECT_EQ(s["running"], true) << s.dump();
  EXPECT_EQ(s["policy"]["host_network"], true) << s.dump();
  const json c = client().inspect_container(name);
  EXPECT_EQ(c["HostConfig"]["NetworkMode"], "host");
  auto r = run_moat({"sandbox", "inspect", name}, config);
  EXPECT_NE(r.out.find("allowed host network"), std::string::npos) << r.out;
}

TEST(SandboxPolicy, ContainerNetworkAllowedJoinsThePeer) {
  ensure_base_image();
  const auto config = policy_config("allow-ctr.json", {{"allow_container_network", true}});
  const std::string peer = unique_name("pol-peer");
  const std::string name = unique_name("pol-joiner");
  Cleanup cleanup(peer);
  cleanup.add(name);
  create_running(peer, {}, config);
  create_running(name, {"--network", "container:" + peer}, config);
  EXPECT_EQ(inspect_json(name, config)["policy"]["container_network"], true);
}

TEST(SandboxPolicy, HostBindAllowedByItsKey) {
  ensure_base_image();
  TempDir d("msb-allowed-link");
  fs::create_directory_symlink("/etc", d.path() / "etc-link");
  const auto config = policy_config("allow-etc.json", {{"allow_host_binds", {"/etc/"}}});
  const std::string name = unique_name("pol-etc");
  Cleanup cleanup(name);
  create_running(name, {"-v", (d.path() / "etc-link").string() + ":/hostetc:ro"}, config);
  EXPECT_EQ(inspect_json(name, config)["policy"]["host_binds"], json::array({"/etc"}));
  // Still refused: what the key does not cover.
  expect_create_refused("pol-proc", {"-v", "/proc:/p:ro"}, {65, kBindsKey}, config);
  expect_create_refused("pol-root", {"-v", "/:/p:ro"}, {65, "is the protected host path '/'"}, config);
}

TEST(SandboxPolicy, HostPidAndIpcAllowedGetPastThePolicy) {
  ensure_base_image();
  auto config = service_config();
  config.policy.allow_host_pid = true;
  config.policy.allow_host_ipc = true;
  SandboxService service(registry(), config);
  const std::string name = unique_name("pol-ns");
  Cleanup cleanup(name);
  auto spec = base_spec(name, "runc");
  spec.options["pid"] = "host";
  spec.options["ipc"] = "host";
  const auto info = service.create(spec, true);
  EXPECT_TRUE(info.running);
  const json c = client().inspect_container(name);
  EXPECT_EQ(c["HostConfig"]["PidMode"], "host");
  EXPECT_EQ(c["HostConfig"]["IpcMode"], "host");
  const auto recorded = moat::core::recorded_policy(info.labels);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_TRUE(recorded->host_pid);
  EXPECT_TRUE(recorded->host_ipc);
  EXPECT_FALSE(recorded->host_network);
  service.remove(name);
}

TEST(SandboxPolicy, OtherNamespaceModesAreRefusedByTheDockerRuntimes) {
  ensure_base_image();
  SandboxService service(registry(), service_config());
  const std::string name = unique_name("pol-pid-mode");
  Cleanup cleanup(name);
  auto spec = base_spec(name, "runc");
  spec.options["pid"] = "container:" + name;
  auto e = expect_error([&] { service.create(spec, false); });
  EXPECT_EQ(e.status(), MOAT_E_INVALID);
  EXPECT_NE(std::string(e.what()).find("options.pid: expected \"host\""), std::string::npos) << e.what();
  EXPECT_TRUE(engine_objects_of(name).empty());
}

// ---- the "policy" section ----------------------------------------------------------

std::string config_error(const std::string& text) {
  std::vector<std::string> warnings;
  try {
    (void)moat::core::parse_config_document(text, "/etc/x.json", warnings);
  } catch (const moat::core::ConfigError& e) {
    EXPECT_EQ(e.kind(), moat::core::ConfigError::Kind::invalid);
    return e.what();
  }
  return "accepted";
}

TEST(PolicyConfig, MalformedValuesAreRefusedWithWhere) {
  EXPECT_EQ(config_error(R"({"policy": []})"), "/etc/x.json: /policy: expected an object, got array");
  EXPECT_EQ(config_error(R"({"policy": {"allow_host_network": "yes"}})"),
            "/etc/x.json: /policy/allow_host_network: expected true or false, got string");
  EXPECT_EQ(config_error(R"({"policy": {"allow_host_pid": 1}})"),
            "/etc/x.json: /policy/allow_host_pid: expected true or false, got number");
  EXPECT_EQ(config_error(R"({"policy": {"allow_host_binds": "/etc"}})"),
            "/etc/x.json: /policy/allow_host_binds: expected an array of absolute paths, got string");
  EXPECT_EQ(config_error(R"({"policy": {"allow_host_binds": ["etc"]}})"),
            "/etc/x.json: /policy/allow_host_binds/0: expected an absolute path, got \"etc\"");
  EXPECT_EQ(config_error(R"({"policy": {"protected_paths": [3]}})"),
            "/etc/x.json: /policy/protected_paths/0: expected a string, got number");
}

TEST(PolicyConfig, DefaultsRefuseAndKeysMerge) {
  const moat::core::Config none = moat::core::merge_config({});
  EXPECT_FALSE(none.policy.allow_host_network);
  EXPECT_FALSE(none.policy.allow_host_pid);
  EXPECT_FALSE(none.policy.allow_host_ipc);
  EXPECT_FALSE(none.policy.allow_container_network);
  EXPECT_TRUE(none.policy.allow_host_binds.empty());

  std::vector<std::string> w;
  const json host = moat::core::parse_config_document(
      R"({"policy": {"allow_host_network": true, "allow_host_binds": ["/etc"], "colour": 1}})", "/etc/a.json", w);
  EXPECT_EQ(w, std::vector<std::string>{"/etc/a.json: /policy/colour: unknown key, ignored"});
  const json user = moat::core::parse_config_document(R"({"policy": {"allow_host_ipc": true}})", "/home/b.json", w);
  const auto c = moat::core::merge_config({{"/etc/a.json", host}, {"/home/b.json", user}});
  EXPECT_TRUE(c.policy.allow_host_network);
  EXPECT_TRUE(c.policy.allow_host_ipc);
  EXPECT_FALSE(c.policy.allow_host_pid);
  EXPECT_EQ(c.policy.allow_host_binds, std::vector<fs::path>{"/etc"});
}

TEST(PolicyConfig, MalformedPolicyIsExit78) {
  const auto config = write_config("bad-policy.json", {{"policy", {{"allow_host_network", "yes"}}}});
  auto r = run_moat({"sandbox", "create", unique_name("bad-conf"), "--runtime", "runc", "--image", kBaseImage}, config);
  EXPECT_EQ(r.exit_code, 78) << r.err;
  EXPECT_EQ(lines(r.err), std::vector<std::string>{"moat: " + config.string() +
                                                   ": /policy/allow_host_network: expected true or false, got string"});
}

}  // namespace
