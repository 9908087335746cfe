// The shipped scenarios. Each is documented (what is timed, between which
// events) in docs/benchmark-methodology.md and in its metrics' descriptions.
#pragma once

#include <moat/harness/profile.hpp>
#include <moat/harness/scenario.hpp>

#include <memory>
#include <string>

namespace moat::harness {

std::unique_ptr<Scenario> make_boot_scenario(const BootSettings& settings);
std::unique_ptr<Scenario> make_build_scenario(const BuildSettings& settings);
std::unique_ptr<Scenario> make_io_scenario(const IoSettings& settings);
std::unique_ptr<Scenario> make_cpu_scenario(const CpuSettings& settings);
std::unique_ptr<Scenario> make_density_scenario(const DensitySettings& settings);

// By name ("boot", "build", "io", "cpu", "density"); nullptr for an unknown name.
std::unique_ptr<Scenario> make_scenario(const std::string& name, const Profile& profile);

}  // namespace moat::harness
