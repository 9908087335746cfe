#include "harness_test_support.hpp"

#include "test_plugins_registry.hpp"

#include <moat/core/sandbox_service.hpp>
#include <moat/harness/cleanup.hpp>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

namespace moat::harness_test {
namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path& scratch() {
  static TempDir dir("moat-harness-scratch");
  return dir.path();
}

core::PluginRegistry& registry() {
  // Never destroyed: plugin instances may outlive static destruction order.
  static core::PluginRegistry* r =
      moat::test::discover_plugins(MOAT_TEST_PLUGIN_DIR, MOAT_EXAMINER, std::chrono::seconds(30)).release();
  return *r;
}

core::Config config() {
  core::Config c;
  c.default_runtime = "runc";
  c.plugins = {{"host", {{"state_dir", (scratch() / "host-state").string()}}}};
  return c;
}

std::string unique_run_id() {
  static std::atomic<int> n{0};
  return std::string(kRunPrefix) + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

harness::Profile tiny_profile() {
  harness::Profile p = harness::quick_profile();
  p.name = "tiny";
  for (auto& [scenario, plan] : p.plans) plan = {0, 1};
  p.io.size = "4m";
  p.io.fsync_size = "1m";
  p.io.runtime_s = 1;
  p.io.jobs = {"seqread-1m", "randwrite-4k", "fsync-4k"};
  p.cpu.rounds = 20;
  p.density.count = 2;
  return p;
}

harness::BenchOptions options(const std::vector<std::string>& suites, const std::vector<std::string>& runtimes,
                              const fs::path& out) {
  harness::BenchOptions o;
  o.profile = tiny_profile();
  o.suites = suites;
  o.runtimes = runtimes;
  o.out_dir = out;
  o.run_id = unique_run_id();
  o.seed = 42;
  o.workloads_dir = MOAT_WORKLOADS_DIR_FOR_TESTS;
  o.engine = moat::engine::ClientOptions::from_environment();
  return o;
}

bool available(const std::vector<std::string>& runtimes, std::string& why) {
  core::SandboxService service(registry(), config());
  bool all = true;
  for (const auto& id : runtimes) {
    try {
      const ProbeResult& p = service.availability(id);
      if (!p.available) {
        all = false;
        why += id + ": " + p.reason + "; ";
      }
    } catch (const std::exception& e) {
      all = false;
      why += id + ": " + e.what() + "; ";
    }
  }
  return all;
}

std::vector<const bench::Sample*> samples_of(const bench::Results& r, const std::string& runtime,
                                             const std::string& scenario, const std::string& metric) {
  std::vector<const bench::Sample*> out;
  for (const auto& s : r.samples)
    if (!s.warmup && s.runtime == runtime && s.scenario == scenario && s.metric == metric) out.push_back(&s);
  return out;
}

bool is_unsupported(const bench::Results& r, const std::string& runtime, const std::string& scenario,
                    const std::string& metric) {
  for (const auto& u : r.unsupported)
    if (u.runtime == runtime && u.scenario == scenario && (u.metric.empty() || u.metric == metric)) return true;
  return false;
}

std::string unsupported_reason(const bench::Results& r, const std::string& runtime, const std::string& scenario,
                               const std::string& metric) {
  for (const auto& u : r.unsupported)
    if (u.runtime == runtime && u.scenario == scenario && (u.metric.empty() || u.metric == metric)) return u.reason;
  return {};
}

std::vector<std::string> leftovers() {
  std::vector<std::string> left;
  auto ours = [](const json& labels) {
    if (!labels.is_object()) return false;
    auto it = labels.find(kRunIdLabel);
    return it != labels.end() && it->is_string() && it->get<std::string>().rfind(kRunPrefix, 0) == 0;
  };
  for (const auto& c : client().list_containers({{kManagedLabel, "true"}}, true))
    if (ours(c.value("Labels", json()))) left.push_back("container " + c["Names"][0].get<std::string>());
  for (const auto& v : client().list_volumes({{kManagedLabel, "true"}}))
    if (ours(v.value("Labels", json()))) left.push_back("volume " + v.value("Name", ""));
  core::SandboxService service(registry(), config());
  for (const auto& s : service.list().sandboxes) {
    auto it = s.labels.find(kRunIdLabel);
    if (s.runtime == "host" && it != s.labels.end() && it->second.rfind(kRunPrefix, 0) == 0)
      left.push_back("host sandbox " + s.name);
  }
  return left;
}

moat::test::ProcessResult run_moat(std::vector<std::string> args, moat::test::RunOptions options) {
  static const fs::path config_file = [] {
    fs::path p = scratch() / "config.json";
    std::ofstream(p) << json{{"default_runtime", "runc"},
                             {"plugins", {{"host", {{"state_dir", (scratch() / "host-state").string()}}}}}}
                            .dump(2);
    return p;
  }();
  args.insert(args.begin(), {MOAT_BINARY, "--config", config_file.string()});
  for (const char* d : {"home", "xdg-config", "xdg-cache"}) fs::create_directories(scratch() / d);
  options.env.emplace("HOME", (scratch() / "home").string());
  options.env.emplace("XDG_CONFIG_HOME", (scratch() / "xdg-config").string());
  options.env.emplace("XDG_CACHE_HOME", (scratch() / "xdg-cache").string());
  options.env.emplace("MOAT_PLUGIN_PATH", std::nullopt);
  options.env.emplace("MOAT_WORKLOADS_DIR", MOAT_WORKLOADS_DIR_FOR_TESTS);
  options.env.emplace("NO_COLOR", "1");
  return moat::test::run_process(args, options);
}

}  // namespace moat::harness_test
