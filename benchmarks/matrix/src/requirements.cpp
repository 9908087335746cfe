#include <moat/matrix/requirements.hpp>

#include <algorithm>

namespace moat::matrix {

const std::vector<Requirement>& requirement_catalogue() {
  static const std::vector<Requirement> rows = {
      {row::docker_in_docker, "Docker-in-Docker", false,
       "an inner dockerd starts in the sandbox, and an inner `docker build` (FROM scratch, a static binary and a "
       "file) and `docker run` of the result succeed; no registry is used"},
      {row::persistent_dind, "DinD survives restart", false,
       "the image built inside is still in the inner engine after the sandbox is stopped and started again"},
      {row::persistent_workspace, "Persistent Workspaces", false,
       "a file written to /workspace and to the home directory survives stop/start and a re-create of the sandbox "
       "with the same host directories"},
      {row::bind_mounts, "Bind Mounts", false,
       "a host directory is visible read-write with its ownership (uid/gid mapping reported both ways), and a "
       "read-only bind is enforced"},
      {row::dynamic_networking, "Dynamic Networking", false,
       "a running sandbox is connected to a second network, reaches a peer sandbox on it, and is disconnected "
       "again, without a restart"},
      {row::unprivileged, "Runs unprivileged", false,
       "the sandbox works without privileged mode; yes when its effective capabilities are Docker's default set "
       "or live in a user namespace, partial when it holds more host privilege than that"},
      {row::isolation, "Isolation (kernel, PIDs, devices)", false,
       "yes: a kernel of its own and no host processes or devices visible; partial: the host's kernel, but host "
       "processes and devices hidden; no: host processes visible"},
      {row::simple_api, "Simple API", true, "declared by the seed, not measured"},
      {row::good_performance, "Good Performance", true,
       "declared by the seed, not measured here (moat bench measures it; see the boot-time row)"},
      {row::boot_time, "Boot time", false,
       "median of create + start + first exec round trip (yes <= 2 s, partial <= 5 s), or the harness's boot "
       "figure when a results file is given"},
      {row::host_requirements, "Works on this host (Cloud VMs)", false,
       "what the runtime needs of the host (kernel, cgroups, ID-mapped mounts, /dev/kvm, nested virtualization, "
       "its own checks) and whether this host has it"},
      {row::low_ops_complexity, "Low Ops Complexity", true, "declared by the seed, not measured"},
  };
  return rows;
}

const Requirement* find_requirement(std::string_view id) {
  const auto& rows = requirement_catalogue();
  auto it = std::find_if(rows.begin(), rows.end(), [&](const Requirement& r) { return r.id == id; });
  return it == rows.end() ? nullptr : &*it;
}

std::vector<std::string> default_profile() {
  return {row::docker_in_docker, row::persistent_dind,    row::persistent_workspace,
          row::bind_mounts,      row::dynamic_networking, row::unprivileged};
}

std::string requirable_ids() {
  std::string out;
  for (const auto& r : requirement_catalogue())
    if (!r.declared) out += (out.empty() ? "" : ", ") + r.id;
  return out;
}

Verdict boot_verdict(double median_ms) {
  if (median_ms <= kBootGoodMs) return Verdict::yes;
  if (median_ms <= kBootSlowMs) return Verdict::partial;
  return Verdict::no;
}

}  // namespace moat::matrix
