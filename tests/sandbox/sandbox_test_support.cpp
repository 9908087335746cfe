#include "sandbox_test_support.hpp"

#include "test_plugins_registry.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef MOAT_BINARY
#error "MOAT_BINARY must name the moat executable"
#endif

namespace moat::sandbox_test {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path& scratch() {
  // Removed when the process ends normally.
  static TempDir dir("moat-sandbox-test");
  return dir.path();
}

std::string unique_name(const std::string& stem) {
  static std::atomic<int> n{0};
  return std::string(kNamePrefix) + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

fs::path write_config(const std::string& file_name, const json& doc) {
  fs::path p = scratch() / "configs" / file_name;
  fs::create_directories(p.parent_path());
  std::ofstream(p) << doc.dump(2);
  return p;
}

const fs::path& default_config() {
  static const fs::path p =
      write_config("default.json", {{"plugins", {{"host", {{"state_dir", (scratch() / "host-state").string()}}}}}});
  return p;
}

moat::test::ProcessResult run_moat(std::vector<std::string> args, const fs::path& config,
                                   moat::test::RunOptions options) {
  args.insert(args.begin(), {MOAT_BINARY, "--config", config.string()});
  for (const char* d : {"home", "config", "cache"}) fs::create_directories(scratch() / d);
  options.env.emplace("HOME", (scratch() / "home").string());
  options.env.emplace("XDG_CONFIG_HOME", (scratch() / "config").string());
  options.env.emplace("XDG_CACHE_HOME", (scratch() / "cache").string());
  options.env.emplace("MOAT_PLUGIN_PATH", std::nullopt);
  options.env.emplace("DOCKER_HOST", std::nullopt);
  options.env.emplace("NO_COLOR", "1");
  return moat::test::run_process(args, options);
}

void expect_create_refused(const std::string& stem, std::vector<std::string> extra, const Refusal& want,
                           const fs::path& config, const std::string& runtime, const std::string& image) {
  ensure_base_image();
  const std::string name = unique_name(stem);
  Cleanup cleanup(name);
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", runtime, "--image", image, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  for (auto& e : extra) args.push_back(std::move(e));
  auto r = run_moat(args, config);
  EXPECT_EQ(r.exit_code, want.exit_code) << r.err;
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 1u) << "exactly one line: " << r.err;
  EXPECT_EQ(err[0].rfind("moat: ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find(want.says), std::string::npos) << err[0];
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(engine_objects_of(name).empty()) << "nothing half-created";
  // Nothing of it as a volume either (a --volume given with the request).
  EXPECT_TRUE(client().list_volumes({{"moat.sandbox", name}}).empty());
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> run_label() { return {"--label", std::string(kRunIdLabel) + "=" + kRunId}; }

moat::core::PluginRegistry& registry() {
  // Never destroyed: plugin instances may outlive static destruction order.
  static moat::core::PluginRegistry* r =
      moat::test::discover_plugins(MOAT_TEST_PLUGIN_DIR, MOAT_EXAMINER, std::chrono::seconds(20)).release();
  return *r;
}

moat::core::Config service_config() {
  moat::core::Config c;
  c.plugins = {{"host", {{"state_dir", (scratch() / "host-state").string()}}}};
  return c;
}

SandboxSpec base_spec(const std::string& name, const std::string& runtime, const std::string& image) {
  SandboxSpec s;
  s.name = name;
  s.runtime = runtime;
  s.image = image;
  s.labels[kRunIdLabel] = kRunId;
  return s;
}

bool dind_image_present(std::string& why) {
  if (client().inspect_image(kDindImage)) return true;
  why = std::string(kDindImage) + " is not in the engine: run 'moat image prepare dind' once (it is cached)";
  return false;
}

std::vector<std::string> leftovers() {
  std::vector<std::string> left;
  auto ours = [](const json& labels, const std::string& name) {
    if (name.rfind(kNamePrefix, 0) == 0) return true;
    if (!labels.is_object()) return false;
    for (const char* key : {kRunIdLabel, kNameLabel, "moat.sandbox", "moat.snapshot"}) {
      auto it = labels.find(key);
      if (it == labels.end() || !it->is_string()) continue;
      const std::string v = it->get<std::string>();
      if (v.rfind(kRunId, 0) == 0 || v.rfind(kNamePrefix, 0) == 0) return true;
    }
    return false;
  };
  for (const auto& c : client().list_containers({{kManagedLabel, "true"}}, true)) {
    std::string name = c["Names"][0].get<std::string>();
    if (ours(c.value("Labels", json()), name.substr(1))) left.push_back("container " + name);
  }
  for (const auto& v : client().list_volumes({{kManagedLabel, "true"}}))
    if (ours(v.value("Labels", json()), v.value("Name", ""))) left.push_back("volume " + v.value("Name", ""));
  for (const auto& n : client().list_networks({{kManagedLabel, "true"}}))
    if (ours(n.value("Labels", json()), n.value("Name", ""))) left.push_back("network " + n.value("Name", ""));
  // Snapshots are images (moat-snapshots:<name>) labelled with their name.
  for (const auto& i : client().list_images({{kManagedLabel, "true"}})) {
    const json labels = i.value("Labels", json());
    if (labels.is_object() && labels.contains("moat.snapshot") && ours(labels, ""))
      left.push_back("snapshot " + labels.value("moat.snapshot", ""));
  }
  return left;
}

}  // namespace moat::sandbox_test
