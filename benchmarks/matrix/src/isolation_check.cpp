// Isolation evidence: the kernel the sandbox sees (gVisor reports its own),
// whether host processes are visible (this process, and the engine's
// dockerd, by PID with matching name and start time), and how much of the
// host's /dev it sees.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/matrix/host_facts.hpp>
#include <moat/support/process.hpp>

#include "check_helpers.hpp"

#include <map>
#include <sstream>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

// $1 = a host PID (this process), $2 = the host dockerd's PID (or empty).
constexpr const char* kLook = R"sh(
echo "kernel=$(uname -r)"
if [ -r "/proc/$1/stat" ]; then echo "self_stat=$(cat "/proc/$1/stat")"; fi
if [ -n "$2" ] && [ -r "/proc/$2/comm" ]; then echo "dockerd_comm=$(cat "/proc/$2/comm")"; fi
n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "procs=$n"
d=0; for f in /dev/*; do [ -e "$f" ] && d=$((d+1)); done; echo "devs=$d"
)sh";

std::string str(const json& j, const char* key) {
  if (!j.contains(key)) return {};
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

}  // namespace

void check_isolation(CheckContext& ctx, Cell& cell) {
  EvidenceRecorder rec(ctx, cell);
  const json& host = ctx.run().host;
  const std::string self_pid = str(host, "self_pid");
  const std::string dockerd_pid = str(host, "dockerd_pid");
  rec.fact("host", "host reference points",
           "kernel " + str(host, "kernel") + "; this process: PID " + self_pid + " (" + str(host, "self_comm") +
               ", starttime " + str(host, "self_starttime") + "); engine dockerd: PID " +
               (dockerd_pid.empty() ? "?" : dockerd_pid) + "; /dev entries " + str(host, "dev_entries"));

  const std::string name = ctx.name("iso");
  SandboxLease lease(rec, name);
  rec.create(ctx.spec(name, "isolation"), true);
  ExecResult r = rec.sh(name, kLook, {self_pid, dockerd_pid}, 30);
  auto kv = detail::key_values(r.stdout_data);

  const std::string kernel = kv["kernel"];
  const bool own_kernel = !kernel.empty() && kernel != str(host, "kernel");
  bool self_visible = false;
  if (auto st = support::stat_comm_starttime(kv["self_stat"]))
    self_visible = st->first == str(host, "self_comm") && st->second == str(host, "self_starttime");
  const bool dockerd_visible = kv["dockerd_comm"] == "dockerd";
  const bool host_pids = self_visible || dockerd_visible;
  long devs = -1, host_devs = host.value("dev_entries", -1L);
  try {
    devs = std::stol(kv["devs"]);
  } catch (const std::exception&) {
  }
  const bool host_devices = devs >= 0 && host_devs > 0 && devs >= host_devs;

  cell.facts["kernel_inside"] = kernel;
  cell.facts["kernel_host"] = str(host, "kernel");
  cell.facts["own_kernel"] = own_kernel;
  cell.facts["host_pid_visible"] = {{"this_process", self_visible}, {"engine_dockerd", dockerd_visible}};
  cell.facts["processes_visible"] = kv["procs"];
  cell.facts["dev_entries"] = devs;
  cell.facts["host_dev_entries"] = host_devs;

  const std::string seen =
      "kernel " + kernel + (own_kernel ? " (its own; host " + str(host, "kernel") + ")" : " (the host's)") + ", " +
      kv["procs"] + " processes, " + std::to_string(devs) + "/" + std::to_string(host_devs) + " /dev entries";
  if (host_pids)
    rec.decide(Verdict::no, "host processes are visible (" +
                                std::string(self_visible ? "this moat process" : "the engine's dockerd") + "); " +
                                seen);
  else if (host_devices)
    rec.decide(Verdict::no, "the host's devices are visible; " + seen);
  else if (own_kernel)
    rec.decide(Verdict::yes, "no host process or device visible; " + seen);
  else
    rec.decide(Verdict::partial, "host processes and devices hidden, but it shares the host's kernel; " + seen);
}

}  // namespace moat::matrix
