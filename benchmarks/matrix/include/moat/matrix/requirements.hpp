// The rows of the matrix: what each requirement means and how it is decided.
// The order is the seed's table's, with moat's extra rows where they belong.
#pragma once

#include <moat/matrix/model.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moat::matrix {

// Row ids (also the values --require takes).
namespace row {
inline constexpr const char* docker_in_docker = "docker-in-docker";
inline constexpr const char* persistent_dind = "persistent-dind";
inline constexpr const char* persistent_workspace = "persistent-workspace";
inline constexpr const char* bind_mounts = "bind-mounts";
inline constexpr const char* dynamic_networking = "dynamic-networking";
inline constexpr const char* unprivileged = "unprivileged";
inline constexpr const char* isolation = "isolation";
inline constexpr const char* simple_api = "simple-api";
inline constexpr const char* good_performance = "good-performance";
inline constexpr const char* boot_time = "boot-time";
inline constexpr const char* host_requirements = "host-requirements";
inline constexpr const char* low_ops_complexity = "low-ops-complexity";
}  // namespace row

// Every row, in table order.
const std::vector<Requirement>& requirement_catalogue();
// nullptr for an unknown id.
const Requirement* find_requirement(std::string_view id);
// The seed's requirement profile (what Sandcastle needs): docker-in-docker,
// persistent-dind, persistent-workspace, bind-mounts, dynamic-networking, unprivileged.
std::vector<std::string> default_profile();
// The ids --require accepts (the measured rows), comma-separated, for messages.
std::string requirable_ids();

// Boot-time verdict thresholds (median create + start + first exec):
// yes <= 2 s, partial <= 5 s, no above.
inline constexpr double kBootGoodMs = 2000;
inline constexpr double kBootSlowMs = 5000;
Verdict boot_verdict(double median_ms);

}  // namespace moat::matrix
