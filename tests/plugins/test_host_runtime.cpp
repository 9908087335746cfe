// The host runtime: scratch directories and plain host processes, with state
// that a second plugin instance (another `moat` process) sees.
#include "plugin_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace moat::plugins_test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

moat::ExecRequest req(const std::string& name, std::vector<std::string> argv) {
  moat::ExecRequest r;
  r.name = name;
  r.argv = std::move(argv);
  return r;
}

}  // namespace

TEST(HostRuntime, Lifecycle) {
  TempDir state("moat-host-state");
  TempDir ws("moat-host-ws");
  const json config = {{"state_dir", state.path().string()}};
  auto h = open("host", config);
  const std::string name = unique_name("host");
  auto spec = base_spec(name);
  spec.workspace = ws.path().string();
  spec.env = {{"MOAT_SPEC_ENV", "s"}};
  auto created = h->create(spec);
  EXPECT_EQ(created.state, "created");
  EXPECT_EQ(created.runtime, "host");
  EXPECT_TRUE(fs::exists(state.path() / name / "state.json"));

  EXPECT_EQ(expect_error([&] { h->exec(req(name, {"true"})); }).status(), MOAT_E_CONFLICT);
  EXPECT_TRUE(h->start(name).running);

  auto r = h->exec(req(name, {"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.stdout_data, "out\n");
  EXPECT_EQ(r.stderr_data, "err\n");

  // cwd defaults to the workspace; /workspace maps onto it; env is merged.
  auto e = req(name, {"/bin/sh", "-c", "pwd; echo \"$MOAT_SPEC_ENV $MOAT_REQ\"; echo hi > f.txt"});
  e.env = {{"MOAT_REQ", "r"}};
  auto r2 = h->exec(e);
  EXPECT_EQ(r2.stdout_data, ws.path().string() + "\ns r\n");
  EXPECT_TRUE(fs::exists(ws.path() / "f.txt"));
  auto e2 = req(name, {"cat", "f.txt"});
  e2.workdir = "/workspace";
  EXPECT_EQ(h->exec(e2).stdout_data, "hi\n");

  // Another instance (another moat process) sees the same sandbox.
  auto h2 = open("host", config);
  EXPECT_TRUE(h2->inspect(name).running);
  bool listed = false;
  for (const auto& s : h2->list()) listed = listed || s.name == name;
  EXPECT_TRUE(listed);

  h->stop(name, 1);
  EXPECT_EQ(h2->inspect(name).state, "exited");
  h->restart(name, 1);
  EXPECT_EQ(h->exec(e2).stdout_data, "hi\n");

  auto t = req(name, {"sleep", "10"});
  t.timeout_s = 0.3;
  EXPECT_EQ(expect_error([&] { h->exec(t); }).status(), MOAT_E_TIMEOUT);

  auto missing = h->exec(req(name, {"moat-no-such-program"}));
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.stderr_data.find("cannot run 'moat-no-such-program'"), std::string::npos);

  h->remove(name);
  EXPECT_FALSE(fs::exists(state.path() / name));
  EXPECT_TRUE(fs::exists(ws.path() / "f.txt")) << "rm must never delete the user's workspace";
  EXPECT_EQ(expect_error([&] { h->inspect(name); }).status(), MOAT_E_NOT_FOUND);
}

TEST(HostRuntime, ScratchWorkspaceIsRemovedWithTheSandbox) {
  TempDir state("moat-host-state");
  auto h = open("host", {{"state_dir", state.path().string()}});
  const std::string name = unique_name("host-scratch");
  auto spec = base_spec(name);
  spec.options = {{"start", true}};
  auto info = h->create(spec);
  std::string workspace;
  for (const auto& m : info.mounts)
    if (m.target == "/workspace") workspace = m.source;
  ASSERT_FALSE(workspace.empty());
  EXPECT_EQ(workspace.rfind(state.path().string(), 0), 0u);
  EXPECT_EQ(h->exec(req(name, {"/bin/sh", "-c", "echo x > data"})).exit_code, 0);
  EXPECT_TRUE(fs::exists(fs::path(workspace) / "data"));
  h->remove(name);
  EXPECT_FALSE(fs::exists(workspace));
}

TEST(HostRuntime, RefusesWhatItCannotDo) {
  TempDir state("moat-host-state");
  TempDir dir("moat-host-bind");
  auto h = open("host", {{"state_dir", state.path().string()}});
  const std::string name = unique_name("host-refuse");
  auto spec = base_spec(name);
  spec.mounts = {{"bind", dir.path().string(), "/data", false}};
  auto e = expect_error([&] { h->create(spec); });
  EXPECT_EQ(e.status(), MOAT_E_UNSUPPORTED);
  EXPECT_NE(std::string(e.what()).find("mounts[0]"), std::string::npos) << e.what();
  spec.mounts.clear();
  spec.dind = true;
  EXPECT_EQ(expect_error([&] { h->create(spec); }).status(), MOAT_E_UNSUPPORTED);
  spec.dind = false;
  spec.workspace = "relative";
  EXPECT_EQ(expect_error([&] { h->create(spec); }).status(), MOAT_E_INVALID);
  EXPECT_FALSE(fs::exists(state.path() / name)) << "a refused create leaves nothing";
  spec.workspace.clear();
  h->create(spec);
  EXPECT_EQ(expect_error([&] { h->create(spec); }).status(), MOAT_E_CONFLICT);
  h->remove(name);
}
