#include <moat/harness/scenarios.hpp>

namespace moat::harness {

std::unique_ptr<Scenario> make_scenario(const std::string& name, const Profile& profile) {
  if (name == "boot") return make_boot_scenario(profile.boot);
  if (name == "build") return make_build_scenario(profile.build);
  if (name == "io") return make_io_scenario(profile.io);
  if (name == "cpu") return make_cpu_scenario(profile.cpu);
  if (name == "density") return make_density_scenario(profile.density);
  return nullptr;
}

}  // namespace moat::harness
