// SandboxService directly (the C++ API under the CLI): runtime resolution,
// ownership, the lifecycle on runc and gVisor, and the host policy.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace moat::sandbox_test;
using moat::core::SandboxService;
namespace fs = std::filesystem;

namespace {

moat::ExecResult sh(SandboxService& s, const std::string& name, const std::string& script) {
  moat::ExecRequest r;
  r.name = name;
  r.argv = {"/bin/sh", "-c", script};
  r.timeout_s = 120;
  return s.exec(r);
}

class ServiceLifecycle : public ::testing::TestWithParam<std::string> {};

TEST_P(ServiceLifecycle, CreateStartExecStopRestartExecRemove) {
  ensure_base_image();
  const std::string rt = GetParam();
  const std::string name = unique_name("svc-" + rt);
  Cleanup cleanup(name);
  TempDir ws("msb-ws");
  SandboxService service(registry(), service_config());

  auto spec = base_spec(name, rt);
  spec.workspace = ws.str();
  auto info = service.create(spec, true);
  EXPECT_TRUE(info.running);
  EXPECT_EQ(info.runtime, rt);
  EXPECT_EQ(service.owner(name).id(), rt);

  auto r = sh(service, name, "echo kept > /workspace/f; echo out; echo err >&2; exit 5");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.stdout_data, "out\n");
  EXPECT_EQ(r.stderr_data, "err\n");

  service.stop(name, 5);
  EXPECT_FALSE(service.inspect(name).running);
  service.restart(name, 5);

  // A second service knows nothing yet: it must find the owner by asking.
  SandboxService fresh(registry(), service_config());
  EXPECT_EQ(fresh.inspect(name).runtime, rt);
  EXPECT_EQ(fresh.owner(name).id(), rt);
  EXPECT_EQ(sh(fresh, name, "cat /workspace/f").stdout_data, "kept\n");

  fresh.remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
  EXPECT_EQ(expect_error([&] { service.inspect(name); }).status(), MOAT_E_NOT_FOUND);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ServiceLifecycle, ::testing::Values("runc", "gvisor"));

TEST(ServiceRuntimes, UnknownRuntimeIsUnavailableAndListsTheKnownIds) {
  SandboxService service(registry(), service_config());
  auto e = expect_error([&] { service.create(base_spec(unique_name("unknown"), "no-such-runtime"), false); });
  EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
  const std::string msg = e.what();
  EXPECT_NE(msg.find("unknown runtime 'no-such-runtime'"), std::string::npos) << msg;
  for (const char* id : {"runc", "gvisor", "sysbox", "kata", "host"})
    EXPECT_NE(msg.find(id), std::string::npos) << "the message lists " << id << ": " << msg;
}

TEST(ServiceRuntimes, DefaultRuntimeIsSysboxAndUnavailableHereWithTheProbeReason) {
  SandboxService service(registry(), service_config());
  EXPECT_EQ(service.runtime_id_for(moat::SandboxSpec{}), "sysbox");
  EXPECT_EQ(service.loaded_runtime_ids().front(), "sysbox");
  const auto probe = service.availability("sysbox");
  if (probe.available) GTEST_SKIP() << "Sysbox is available on this host";
  const std::string name = unique_name("default");
  Cleanup cleanup(name);
  auto spec = base_spec(name, "");
  auto e = expect_error([&] { service.create(spec, true); });
  EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
  EXPECT_EQ(std::string(e.what()), "runtime 'sysbox' is not available here: " + probe.reason);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(ServiceRuntimes, ConfiguredDefaultIsUsedWhenTheSpecNamesNone) {
  ensure_base_image();
  auto config = service_config();
  config.default_runtime = "runc";
  SandboxService service(registry(), config);
  const std::string name = unique_name("cfgdefault");
  Cleanup cleanup(name);
  auto info = service.create(base_spec(name, ""), false);
  EXPECT_EQ(info.runtime, "runc");
  service.remove(name);
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(ServiceRuntimes, HostSandboxesAreFoundAndListedNextToEngineOnes) {
  ensure_base_image();
  SandboxService service(registry(), service_config());
  const std::string host_name = unique_name("host");
  const std::string runc_name = unique_name("runc");
  Cleanup cleanup(runc_name);
  service.create(base_spec(host_name, "host", ""), true);
  service.create(base_spec(runc_name, "runc"), false);
  SandboxService fresh(registry(), service_config());
  EXPECT_EQ(fresh.owner(host_name).id(), "host");
  EXPECT_EQ(fresh.owner(runc_name).id(), "runc");
  auto listing = fresh.list();
  EXPECT_TRUE(listing.failures.empty());
  int seen = 0;
  for (const auto& s : listing.sandboxes)
    seen += (s.name == host_name && s.runtime == "host") + (s.name == runc_name && s.runtime == "runc");
  EXPECT_EQ(seen, 2);
  fresh.remove(host_name);
  fresh.remove(runc_name);
  EXPECT_EQ(expect_error([&] { fresh.owner(host_name); }).status(), MOAT_E_NOT_FOUND);
  EXPECT_TRUE(engine_objects_of(runc_name).empty());
}

TEST(ServiceRuntimes, EngineDownIsUnavailableForLookupsAndCreate) {
  auto config = service_config();
  config.engine.socket = (scratch() / "no-engine.sock").string();
  SandboxService service(registry(), config);
  auto e = expect_error([&] { service.inspect("msb-nothing"); });
  EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE) << e.what();
  EXPECT_NE(std::string(e.what()).find("cannot reach the Docker engine"), std::string::npos) << e.what();
  auto c = expect_error([&] { service.create(base_spec("msb-nothing", "runc"), true); });
  EXPECT_EQ(c.status(), MOAT_E_UNAVAILABLE) << c.what();
  auto listing = service.list();
  EXPECT_FALSE(listing.failures.empty());
}

// ---- host policy (no engine) ----

TEST(HostPolicy, CommonChecksApply) {
  TempDir d("msb-pol");
  auto spec = base_spec("ok-name", "runc");
  EXPECT_NO_THROW(moat::core::validate_spec(spec, {}));
  spec.user = "a/b";
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, {}); }).status(), MOAT_E_INVALID);
  spec.user = "..";
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, {}); }).status(), MOAT_E_INVALID);
  spec.user = "";
  spec.workspace = "relative/dir";
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, {}); }).status(), MOAT_E_INVALID);
  spec.workspace = d.str() + "/../" + d.path().filename().string();
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, {}); }).status(), MOAT_E_INVALID);
  spec.workspace = "";
  spec.name = std::string(300, 'a');
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, {}); }).status(), MOAT_E_INVALID);
  spec.name = std::string("nul\0name", 8);
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, {}); }).status(), MOAT_E_INVALID);
}

TEST(HostPolicy, AllowedRootsAreCheckedAfterResolvingSymlinks) {
  TempDir root("msb-root");
  TempDir outside("msb-outside");
  fs::create_directories(root.path() / "inside");
  fs::create_directory_symlink(outside.path(), root.path() / "escape");
  fs::create_directory_symlink(root.path() / "inside", outside.path() / "back-in");
  fs::create_directories(root.str() + "2");  // a sibling sharing the root's name as a prefix
  const std::vector<fs::path> roots = {root.path()};

  auto spec = base_spec("pol", "runc");
  spec.workspace = (root.path() / "inside").string();
  EXPECT_NO_THROW(moat::core::validate_spec(spec, roots));
  spec.workspace = (outside.path() / "back-in").string();  // a link from outside to inside is fine
  EXPECT_NO_THROW(moat::core::validate_spec(spec, roots));

  spec.workspace = (root.path() / "escape").string();
  auto e = expect_error([&] { moat::core::validate_spec(spec, roots); });
  EXPECT_EQ(e.status(), MOAT_E_INVALID);
  EXPECT_NE(std::string(e.what()).find("resolves to '" + outside.str() + "'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("outside the allowed bind roots"), std::string::npos) << e.what();

  spec.workspace = "";
  spec.mounts = {{"bind", root.str() + "2", "/data", false}};
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, roots); }).status(), MOAT_E_INVALID)
      << "a sibling directory with the root's name as prefix is outside";
  spec.mounts = {{"volume", "some-volume", "/data", false}};
  EXPECT_NO_THROW(moat::core::validate_spec(spec, roots)) << "named volumes are not host paths";
  spec.mounts = {};
  spec.home = (root.path() / "escape").string();
  EXPECT_EQ(expect_error([&] { moat::core::validate_spec(spec, roots); }).status(), MOAT_E_INVALID);
  fs::remove_all(root.str() + "2");
}

TEST(HostPolicy, ResolvedPathsArePassedOn) {
  TempDir d("msb-link");
  fs::create_directories(d.path() / "real");
  fs::create_directory_symlink(d.path() / "real", d.path() / "link");
  auto spec = base_spec("pol", "runc");
  spec.workspace = (d.path() / "link").string();
  spec.mounts = {{"bind", (d.path() / "link").string(), "/data", true}};
  auto resolved = moat::core::with_resolved_bind_paths(spec);
  EXPECT_EQ(resolved.workspace, fs::canonical(d.path() / "real").string());
  EXPECT_EQ(resolved.mounts[0].source, fs::canonical(d.path() / "real").string());
  EXPECT_TRUE(resolved.mounts[0].read_only);
}

}  // namespace
