// What each runtime needs of the host, checked against this host's facts and
// the plugin's own probe (its checks and their output are the evidence). The
// seed's "Works in Cloud VMs" row asks the same question of a generic cloud
// VM; this answers it for this machine.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/support/probe_evidence.hpp>

#include <algorithm>
#include <cstdio>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

struct Need {
  std::string what;
  bool met = false;
  std::string seen;
  bool host_level = true;  // a property of the host (not just "is it installed")
  bool blocking = true;    // unmet = the runtime does not work (else: works with a caveat)
};

bool engine_has_runtime(const json& host, const std::string& name) {
  const json rts = host.value("engine", json::object()).value("runtimes", json::array());
  return std::any_of(rts.begin(), rts.end(),
                     [&](const json& r) { return r.is_string() && r.get<std::string>() == name; });
}

std::string jstr(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

Need kvm_need(const json& host) {
  const json kvm = host.value("kvm", json::object());
  const bool usable = kvm.value("dev_kvm_openable", false);
  std::string seen = kvm.value("dev_kvm", false)
                         ? (usable ? "/dev/kvm present and usable" : "/dev/kvm present, not openable")
                         : "no /dev/kvm";
  seen += "; modules " + jstr(kvm.value("modules", json::array())) + "; nested " +
          jstr(kvm.value("nested", json::object())) + "; VT-x/AMD-V flags " +
          (kvm.value("cpu_vmx_or_svm", false) ? "yes" : "no") + "; in a VM " +
          (kvm.value("running_in_vm", false) ? "yes" : "no");
  return {"/dev/kvm usable (hardware virtualization, or nested virtualization inside a cloud VM)", usable, seen};
}

Need engine_need(const json& host) {
  const json e = host.value("engine", json::object());
  const bool up = e.value("reachable", false);
  return {"a Docker engine this user can reach", up,
          up ? "Docker " + e.value("server_version", "") + ", API " + e.value("api_version", "") : e.value("error", ""),
          false};
}

std::vector<Need> needs_for(const Column& col, const json& host) {
  const auto [major, minor] = support::kernel_major_minor(host.value("kernel", ""));
  const std::string kernel = host.value("kernel", "");
  const json cg = host.value("cgroup", json::object());
  std::vector<Need> n;
  const std::string& rt = col.runtime;
  if (rt == "host") return n;
  if (rt == "firecracker" || rt == "flintlock") {
    n.push_back(kvm_need(host));
    if (rt == "flintlock")
      n.push_back(
          {"runs on the host or a VM, not inside a container (the seed's blocker: no nested virtualization "
           "where the platform's containers live)",
           true, "not checked: moat has no Flintlock plugin", true, false});
    return n;
  }
  n.push_back(engine_need(host));
  if (rt == "runc") {
    n.push_back({"runc registered with the engine", engine_has_runtime(host, "runc"), "", false});
    if (col.dind == DindPolicy::always)
      n.push_back({"a cgroup filesystem at /sys/fs/cgroup (bound read-write into DinD sandboxes)",
                   cg.contains("version"), "cgroup " + cg.value("version", "?"), true});
  } else if (rt == "gvisor") {
    n.push_back({"runsc registered with the engine", engine_has_runtime(host, "runsc"), "", false});
    const json runtime = col.probe_details.value("runtime", json::object());
    const std::string release = runtime.value("release", "");
    const bool new_kernel = major > 6 || (major == 6 && minor >= 11);
    const bool ok = !new_kernel || (!release.empty() && release >= "20240801");
    n.push_back({"runsc release >= 2024-08-01 for networking on kernels >= 6.11", ok,
                 "kernel " + kernel + ", runsc " + runtime.value("version", "?"), true, false});
  } else if (rt == "sysbox") {
    n.push_back({"sysbox-runc registered with the engine (sysbox-mgr and sysbox-fs running)",
                 engine_has_runtime(host, "sysbox-runc"), "", false});
    const json idm = host.value("idmapped_mounts", json::object());
    const bool shiftfs = host.value("shiftfs_module", false);
    n.push_back({"kernel >= 5.12 (ID-mapped mounts) or the shiftfs module",
                 idm.value("kernel_supports", false) || shiftfs,
                 "kernel " + kernel + (shiftfs ? ", shiftfs loaded" : ", no shiftfs")});
    n.push_back({"ID-mapped mounts on the filesystem of the bound directories", idm.value("supported", false),
                 jstr(idm.value("workdir_filesystem", json())) + " at " + jstr(idm.value("workdir", json())) +
                     " (supported since " + jstr(idm.value("filesystem_supports_since", json())) + ")",
                 true, false});
  } else if (rt == "kata" || rt == "kata-qemu" || rt == "kata-clh") {
    n.push_back(kvm_need(host));
    // Kata 2+ is a containerd shim: Docker runs shim names from 23.0 and
    // registers runtimeType/options.ConfigPath from 24.0.
    const std::string server = host.value("engine", json::object()).value("server_version", "");
    int major = 0;
    (void)std::sscanf(server.c_str(), "%d", &major);
    n.push_back({"Docker >= 23 (Kata 2+ is a containerd shim; a daemon.json runtimeType needs >= 24)", major >= 23,
                 "Docker " + server, false});
    // A shim name on dockerd's PATH is valid without being listed in /info:
    // only the plugin's probe, which reads the registration and the shim and
    // runs a smoke VM, can say.
    n.push_back({"the plugin's runtime, shim and configuration (its probe)", col.available, col.reason, false});
  } else {
    n.push_back({col.runtime + " usable (the plugin's own probe)", col.available, col.reason, false});
  }
  return n;
}

}  // namespace

void check_host_requirements(const Column& col, const json& host, Cell& cell) {
  const std::vector<Need> needs = needs_for(col, host);
  json list = json::array();
  std::string missing_host, caveats;
  for (const Need& n : needs) {
    list.push_back(
        {{"need", n.what}, {"met", n.met}, {"seen", n.seen}, {"host_level", n.host_level}, {"blocking", n.blocking}});
    if (n.met) continue;
    if (n.host_level && n.blocking)
      missing_host += (missing_host.empty() ? "" : "; ") + n.what;
    else if (!n.blocking)
      caveats += (caveats.empty() ? "" : "; ") + n.what + " (" + n.seen + ")";
  }
  cell.facts["needs"] = list;
  cell.facts["kernel"] = host.value("kernel", "");
  cell.facts["cgroup"] = host.value("cgroup", json::object());
  if (col.has_plugin)
    cell.facts["plugin_probe"] = {
        {"available", col.available}, {"reason", col.reason}, {"version", col.version}, {"details", col.probe_details}};
  Step s;
  s.kind = "host";
  s.what = "checked " + std::to_string(needs.size()) + " host requirement(s) of " + col.id +
           (col.has_plugin ? " and its plugin's probe()" : "");
  s.out = list.dump();
  cell.steps.push_back(std::move(s));

  const std::string caveat = col.probe_details.is_object() && col.probe_details.contains("caveat")
                                 ? jstr(col.probe_details["caveat"])
                                 : std::string();
  if (!missing_host.empty()) {
    cell.verdict = Verdict::no;
    cell.summary = "this host lacks: " + missing_host;
  } else if (!col.available) {
    cell.verdict = Verdict::unavailable;
    cell.summary = col.reason + (needs.empty() ? "" : " (the host-level needs checked are met)");
  } else if (!caveat.empty() || !caveats.empty()) {
    cell.verdict = Verdict::partial;
    cell.summary = "works here with a caveat: " + (caveat.empty() ? caveats : caveat);
  } else {
    cell.verdict = Verdict::yes;
    cell.summary = needs.empty() ? "nothing needed of the host"
                                 : "every host requirement is met (" + std::to_string(needs.size()) + " checked)";
  }
}

}  // namespace moat::matrix
