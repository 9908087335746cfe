// Unprivileged: the sandbox runs without privileged mode (moat never asks
// for it), and what it really holds: its effective capabilities decoded from
// /proc/self/status, its uid/gid maps, seccomp, and - for engine containers -
// the HostConfig the plugin gave it.
#include <moat/matrix/capabilities.hpp>
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/support/text.hpp>

#include <algorithm>
#include <sstream>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

std::string status_field(const std::string& status, const std::string& field) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::string v = line.substr(field.size() + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    return v;
  }
  return {};
}

std::string collapse(const std::string& map) {
  std::istringstream in(map);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream w(line);
    std::string a, b, c;
    if (!(w >> a >> b >> c)) continue;
    out += (out.empty() ? "" : "; ") + a + " " + b + " " + c;
  }
  return out;
}

}  // namespace

void check_unprivileged(CheckContext& ctx, Cell& cell) {
  EvidenceRecorder rec(ctx, cell);
  const std::string name = ctx.name("priv");
  SandboxLease lease(rec, name);
  const SandboxSpec spec = ctx.spec(name, "unprivileged");
  try {
    rec.create(spec, true);
  } catch (const moat::Error& e) {
    rec.decide(Verdict::no, std::string("the sandbox does not run without privileged mode: ") + e.what());
    return;
  }
  cell.facts["dind_mode"] = spec.dind;

  // The engine's view of the container (not there for runtimes outside the engine).
  try {
    const json c = ctx.engine().inspect_container(name);
    const json hc = c.value("HostConfig", json::object());
    json shown = {{"Privileged", hc.value("Privileged", false)},
                  {"CapAdd", hc.value("CapAdd", json())},
                  {"CapDrop", hc.value("CapDrop", json())},
                  {"SecurityOpt", hc.value("SecurityOpt", json())},
                  {"DeviceCgroupRules", hc.value("DeviceCgroupRules", json())},
                  {"UsernsMode", hc.value("UsernsMode", "")},
                  {"Runtime", hc.value("Runtime", "")}};
    rec.fact("engine", "inspect " + name + ": HostConfig", shown.dump());
    cell.facts["host_config"] = shown;
    if (shown["Privileged"].get<bool>()) {
      rec.decide(Verdict::no, "the engine runs this sandbox privileged");
      return;
    }
  } catch (const moat::Error&) {
    rec.fact("engine", "inspect " + name, "not an engine container (runs outside the engine)");
  }

  ExecResult status = rec.exec(name, {"cat", "/proc/self/status"}, 20);
  ExecResult uid_map = rec.exec(name, {"cat", "/proc/self/uid_map"}, 20);
  ExecResult gid_map = rec.exec(name, {"cat", "/proc/self/gid_map"}, 20);
  const auto eff = status_mask(status.stdout_data, "CapEff");
  const auto bnd = status_mask(status.stdout_data, "CapBnd");
  if (status.exit_code != 0 || !eff) {
    rec.decide(Verdict::partial, "runs without privileged mode, but its capabilities could not be read: " +
                                     support::last_line(status.stderr_data));
    return;
  }
  const std::vector<std::string> names = capability_names(*eff);
  const std::uint64_t extra_mask = *eff & ~docker_default_capabilities();
  const std::vector<std::string> extra = capability_names(extra_mask);
  const bool userns = uid_map.exit_code == 0 && !is_identity_map(uid_map.stdout_data);
  cell.facts["cap_eff"] = status_field(status.stdout_data, "CapEff");
  cell.facts["cap_eff_names"] = names;
  cell.facts["cap_beyond_docker_default"] = extra;
  if (bnd) cell.facts["cap_bnd_count"] = capability_names(*bnd).size();
  cell.facts["seccomp"] = status_field(status.stdout_data, "Seccomp");
  cell.facts["no_new_privs"] = status_field(status.stdout_data, "NoNewPrivs");
  cell.facts["uid_map"] = collapse(uid_map.stdout_data);
  cell.facts["gid_map"] = collapse(gid_map.stdout_data);
  cell.facts["user_namespace"] = userns;

  const std::string caps = std::to_string(names.size()) + " effective capabilities";
  const std::string map = "uid_map " + collapse(uid_map.stdout_data);
  if (extra.empty())
    rec.decide(Verdict::yes, "runs without privileged mode; " + caps + " (Docker's default set or fewer); " + map);
  else if (userns)
    rec.decide(Verdict::yes, "runs without privileged mode; " + caps + " inside a user namespace (" + map + ")");
  else {
    std::string some;
    for (std::size_t i = 0; i < extra.size() && i < 4; ++i) some += (i ? ", " : "") + extra[i];
    if (extra.size() > 4) some += ", ...";
    rec.decide(Verdict::partial, "no privileged mode, but " + caps + ", " + std::to_string(extra.size()) +
                                     " beyond Docker's default (" + some + ") without a user namespace (" + map +
                                     "): root on the host in all but name");
  }
}

}  // namespace moat::matrix
