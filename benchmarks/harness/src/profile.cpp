#include <moat/harness/profile.hpp>

namespace moat::harness {

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names = {"boot", "build", "io", "cpu", "density"};
  return names;
}

Repetitions Profile::plan(const std::string& scenario) const {
  auto it = plans.find(scenario);
  return it == plans.end() ? Repetitions{} : it->second;
}

// Sized on the 2-core development VM (benchmarks/micro/quick_profile.sh):
// runc + gvisor + host finish within 6 minutes, and the boot median's 95% CI
// stays within +-10%. n = 20 for boot because at n = 10 the 4 ms host boot
// (CoV ~13%) had a CI half-width of 17%; the engine runtimes were within 8%.
Profile quick_profile() {
  Profile p;
  p.name = "quick";
  p.plans = {{"boot", {1, 20}}, {"build", {0, 2}}, {"io", {0, 2}}, {"cpu", {1, 5}}, {"density", {0, 2}}};
  p.io.size = "32m";
  p.io.fsync_size = "8m";
  p.io.runtime_s = 1;
  p.cpu.rounds = 400;
  p.density.count = 4;
  return p;
}

// Publication-grade: n >= 30 for boot (p95 and CIs that mean something),
// n >= 9 elsewhere (Mann-Whitney has power from there), bigger files and
// longer fio phases, more concurrent sandboxes.
Profile full_profile() {
  Profile p;
  p.name = "full";
  p.plans = {{"boot", {3, 30}}, {"build", {1, 9}}, {"io", {1, 9}}, {"cpu", {1, 15}}, {"density", {1, 9}}};
  p.io.size = "256m";
  p.io.fsync_size = "32m";
  p.io.runtime_s = 10;
  p.cpu.rounds = 1500;
  p.density.count = 16;
  return p;
}

std::optional<Profile> find_profile(std::string_view name) {
  if (name == "quick") return quick_profile();
  if (name == "full") return full_profile();
  return std::nullopt;
}

const std::vector<std::string>& profile_names() {
  static const std::vector<std::string> names = {"quick", "full"};
  return names;
}

nlohmann::json to_json(const Profile& p) {
  nlohmann::json plans = nlohmann::json::object();
  for (const auto& [scenario, r] : p.plans) plans[scenario] = {{"warmup", r.warmup}, {"repetitions", r.repetitions}};
  return {{"name", p.name},
          {"plans", plans},
          {"boot",
           {{"image", p.boot.image},
            {"ready_timeout_s", p.boot.ready_timeout_s},
            {"poll_interval_ms", p.boot.poll_interval_ms},
            {"stop_timeout_s", p.boot.stop_timeout_s}}},
          {"build",
           {{"make", p.build.make},
            {"docker", p.build.docker},
            {"image", p.build.image},
            {"dind_image", p.build.dind_image},
            {"jobs", p.build.jobs},
            {"busybox", p.build.busybox},
            {"timeout_s", p.build.timeout_s},
            {"locations", p.build.locations}}},
          {"io",
           {{"image", p.io.image},
            {"jobs", p.io.jobs},
            {"locations", p.io.locations},
            {"size", p.io.size},
            {"fsync_size", p.io.fsync_size},
            {"runtime_s", p.io.runtime_s},
            {"timeout_s", p.io.timeout_s}}},
          {"cpu", {{"image", p.cpu.image}, {"rounds", p.cpu.rounds}, {"timeout_s", p.cpu.timeout_s}}},
          {"density",
           {{"image", p.density.image}, {"count", p.density.count}, {"ready_timeout_s", p.density.ready_timeout_s}}}};
}

}  // namespace moat::harness
