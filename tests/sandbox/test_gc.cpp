// `moat gc`: removes every engine container, volume and network labelled
// moat.managed=true (of one run with --run-id) and the host runtime's
// scratch sandboxes; --dry-run removes nothing; the engine down is exit 69.
// Always with --run-id here: other suites share this engine.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace moat::sandbox_test;
using json = nlohmann::json;

namespace {

std::vector<std::string> names_of(const json& list) {
  std::vector<std::string> out;
  for (const auto& v : list) out.push_back(v.is_string() ? v.get<std::string>() : v.value("name", ""));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Gc, RemovesOneRunsObjectsAndHostSandboxesOnly) {
  ensure_base_image();
  const std::string run = std::string(kRunId) + "-gc-" + std::to_string(::getpid());
  const std::string other_run = run + "-other";
  const std::string box = unique_name("gc-box");
  const std::string host_box = unique_name("gc-host");
  const std::string keep = unique_name("gc-keep");
  const std::string vol = unique_name("gc-vol");
  const std::string net = unique_name("gc-net");
  Cleanup cleanup(box);
  cleanup.add(keep);
  const std::string run_label = std::string(moat::kRunIdLabel) + "=" + run;

  auto a = run_moat({"sandbox", "create", box, "--runtime", "runc", "--image", kBaseImage, "--start", "--volume",
                     vol + ":/data", "--label", run_label});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto h = run_moat(
      {"sandbox", "create", host_box, "--runtime", "host", "--image", kBaseImage, "--start", "--label", run_label});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  auto k = run_moat({"sandbox", "create", keep, "--runtime", "runc", "--image", kBaseImage, "--label",
                     std::string(moat::kRunIdLabel) + "=" + other_run});
  ASSERT_EQ(k.exit_code, 0) << k.err;
  const std::string net_id = client().create_network(net, {{moat::kManagedLabel, "true"}, {moat::kRunIdLabel, run}});

  auto dry = run_moat({"-o", "json", "gc", "--run-id", run, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const json d = json::parse(dry.out);
  EXPECT_EQ(d["dry_run"], true);
  EXPECT_EQ(names_of(d["containers"]), std::vector<std::string>{box});
  EXPECT_EQ(names_of(d["volumes"]), std::vector<std::string>{vol});
  EXPECT_EQ(names_of(d["networks"]), std::vector<std::string>{net});
  EXPECT_EQ(names_of(d["sandboxes"]), std::vector<std::string>{host_box});
  EXPECT_TRUE(client().find_container(box).has_value()) << "a dry run removes nothing";
  EXPECT_EQ(run_moat({"sandbox", "inspect", host_box}).exit_code, 0);

  auto real = run_moat({"-o", "json", "gc", "--run-id", run});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  const json g = json::parse(real.out);
  EXPECT_EQ(g["counts"]["containers"], 1);
  EXPECT_EQ(g["counts"]["volumes"], 1);
  EXPECT_EQ(g["counts"]["networks"], 1);
  EXPECT_EQ(g["counts"]["sandboxes"], 1);
  EXPECT_TRUE(engine_objects_of(box).empty());
  EXPECT_TRUE(client().list_volumes({{moat::kRunIdLabel, run}}).empty());
  EXPECT_TRUE(client().list_networks({{moat::kRunIdLabel, run}}).empty());
  EXPECT_EQ(run_moat({"sandbox", "inspect", host_box}).exit_code, 66) << "the host sandbox went too";
  EXPECT_TRUE(client().find_container(keep).has_value()) << "another run's sandbox stays";

  auto again = run_moat({"gc", "--run-id", run});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "removed 0 containers, 0 volumes, 0 networks, 0 snapshots, 0 runtime-kept sandboxes\n");

  auto rest = run_moat({"-o", "json", "gc", "--run-id", other_run});
  EXPECT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_TRUE(engine_objects_of(keep).empty());
  (void)net_id;
}

TEST(Gc, EngineDownIsOneLineAndExit69) {
  const auto config = write_config("gc-engine-down.json",
                                   {{"engine", {{"socket", (scratch() / "no-engine.sock").string()}}},
                                    {"plugins", {{"host", {{"state_dir", (scratch() / "host-state").string()}}}}}});
  auto r = run_moat({"gc", "--run-id", std::string(kRunId) + "-none"}, config);
  EXPECT_EQ(r.exit_code, 69) << r.err;
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("moat: cannot reach the Docker engine at unix://"), std::string::npos) << r.err;
}

}  // namespace
