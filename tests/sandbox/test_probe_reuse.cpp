// A create reuses the probe verdict an earlier moat process kept (issue #14:
// the availability check before each create must not cost a sandbox). On
// gVisor, whose probe starts a smoke container, the first create probes and
// keeps the verdict; the next create, another process, reuses it; another
// plugin configuration, or plugin_host.probe_reuse_s 0, probes again.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace moat::sandbox_test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kProbed = "runtime gvisor: probing";
constexpr const char* kReused = "runtime gvisor: the probe verdict kept in";

// `moat --log-level debug sandbox create NAME --runtime gvisor --start`: its stderr.
std::string create_on_gvisor(const std::string& name, const fs::path& config) {
  std::vector<std::string> args = {"--log-level", "debug",  "sandbox", "create",   name,
                                   "--runtime",   "gvisor", "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  auto r = run_moat(args, config);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.err;
}

bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(ProbeReuse, ASecondCreateReusesTheKeptVerdictUntilSomethingChanges) {
  ensure_base_image();
  std::vector<std::string> names;
  names.reserve(4);
  for (int i = 0; i < 4; ++i) names.push_back(unique_name("reuse"));
  Cleanup cleanup;
  for (const auto& n : names) cleanup.add(n);

  const std::string first = create_on_gvisor(names[0], default_config());
  EXPECT_TRUE(has(first, kProbed)) << first;
  const fs::path kept = scratch() / "cache" / "moat" / "probe-verdicts.json";
  std::ifstream in(kept);
  ASSERT_TRUE(in) << kept;
  const auto doc = nlohmann::json::parse(in);
  const auto& files = doc["runtimes"]["gvisor"]["files"];
  EXPECT_TRUE(files.contains("/var/run/docker.sock") || files.contains("/run/docker.sock")) << doc.dump(1);
  EXPECT_GE(files.size(), 2U) << "the engine's socket and runsc: " << doc.dump(1);

  const std::string second = create_on_gvisor(names[1], default_config());
  EXPECT_TRUE(has(second, kReused)) << second;
  EXPECT_FALSE(has(second, kProbed)) << second;

  // Another configuration of the plugin: its verdict may differ.
  const auto reconfigured = write_config(
      "reuse-reconfigured.json",
      {{"plugins",
        {{"host", {{"state_dir", (scratch() / "host-state").string()}}}, {"gvisor", {{"probe_image", kBaseImage}}}}}});
  EXPECT_TRUE(has(create_on_gvisor(names[2], reconfigured), kProbed));

  // probe_reuse_s 0: probe before every create, as before.
  const auto never =
      write_config("reuse-never.json", {{"plugins", {{"host", {{"state_dir", (scratch() / "host-state").string()}}}}},
                                        {"plugin_host", {{"probe_reuse_s", 0}}}});
  const std::string fourth = create_on_gvisor(names[3], never);
  EXPECT_TRUE(has(fourth, kProbed)) << fourth;
  EXPECT_FALSE(has(fourth, kReused)) << fourth;

  for (const auto& n : names) EXPECT_EQ(run_moat({"sandbox", "rm", n}).exit_code, 0);
}
