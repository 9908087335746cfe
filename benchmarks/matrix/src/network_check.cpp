// Dynamic networking: a running sandbox is connected to a second network
// (created for the probe, labelled moat.managed), reaches a peer sandbox
// serving HTTP on it, and is disconnected again - all without a restart.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>

#include <chrono>
#include <sstream>
#include <thread>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

constexpr int kPeerPort = 8080;

// The peer: busybox httpd serving a token ($0).
constexpr const char* kPeerServer = "mkdir -p /www && echo \"$0\" > /www/index.html && exec httpd -f -p 8080 -h /www";

// IPv4 addresses the sandbox has, one per line (busybox ip, else the kernel's fib_trie).
constexpr const char* kAddresses = R"sh(
if command -v ip >/dev/null 2>&1; then ip -o -4 addr | awk '{print $4}' | cut -d/ -f1
else awk '/32 host LOCAL/ {print p} {p=$NF}' /proc/net/fib_trie 2>/dev/null | sort -u
fi
)sh";

// GET http://$1:$2/ (busybox wget, else bash's /dev/tcp), 5 s at most. Not wget -T:
// Debian 12's busybox 1.35 wget segfaults with it.
constexpr const char* kFetch = R"sh(
if command -v wget >/dev/null 2>&1; then timeout 5 wget -q -O - "http://$1:$2/"
else timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' "$1" "$2"
fi
)sh";

std::string container_ip(engine::DockerClient& engine, const std::string& container, const std::string& network) {
  const json c = engine.inspect_container(container);
  const json nets = c.value("NetworkSettings", json::object()).value("Networks", json::object());
  if (!nets.is_object() || !nets.contains(network)) return {};
  return nets[network].value("IPAddress", "");
}

std::string started_at(engine::DockerClient& engine, const std::string& container) {
  return engine.inspect_container(container).value("State", json::object()).value("StartedAt", "");
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

// Polls the sandbox's addresses until `ip` is present (or absent), up to ~5 s.
bool wait_for_address(EvidenceRecorder& rec, const std::string& name, const std::string& ip, bool present) {
  for (int i = 0; i < 10; ++i) {
    ExecResult r = rec.sh(name, kAddresses, {}, 10);
    if (has_line(r.stdout_data, ip) == present) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace

void check_dynamic_networking(CheckContext& ctx, Cell& cell) {
  EvidenceRecorder rec(ctx, cell);
  const std::string token = ctx.run().run_id + "/" + ctx.column().id;

  // The peer comes after the connect: a runtime that cannot attach networks
  // is decided without it.
  // Declared first so it goes last: the sandboxes on it are removed before it.
  NetworkLease net(rec, ctx.name("net2"), true);
  const std::string subject = ctx.name("net");
  SandboxLease subject_lease(rec, subject);
  rec.create(ctx.spec(subject, "dynamic-networking"), true);

  const std::string before = [&] {
    try {
      return started_at(ctx.engine(), subject);
    } catch (const moat::Error&) {
      return std::string();  // not an engine container (host runtime)
    }
  }();

  try {
    rec.connect(subject, net.name());
  } catch (const moat::Error& e) {
    rec.decide(Verdict::no, std::string("connecting a running sandbox to a network failed: ") + e.what());
    return;
  }
  const std::string subject_ip = container_ip(ctx.engine(), subject, net.name());
  rec.fact("engine", "address the engine gave " + subject + " on " + net.name(), subject_ip);
  cell.facts["engine_address"] = subject_ip;
  const bool sees_interface = !subject_ip.empty() && wait_for_address(rec, subject, subject_ip, true);
  cell.facts["sandbox_sees_address"] = sees_interface;

  // The peer: on the run's peer runtime (the plain baseline), so the cell
  // measures the probed runtime only.
  const std::string peer = ctx.name("peer");
  SandboxLease peer_lease(rec, peer);
  SandboxSpec ps;
  ps.name = peer;
  ps.runtime = ctx.run().peer_runtime.empty() ? ctx.column().runtime : ctx.run().peer_runtime;
  ps.image = ctx.run().images.base;
  ps.network = net.name();
  ps.command = {"/bin/sh", "-c", kPeerServer, token};
  ps.labels[kRunIdLabel] = ctx.run().run_id;
  ps.labels[kCheckLabel] = "dynamic-networking-peer";
  rec.create(ps, true);
  const std::string peer_ip = container_ip(ctx.engine(), peer, net.name());
  rec.fact("engine", "address of peer " + peer + " (" + ps.runtime + ", busybox httpd :8080) on " + net.name(),
           peer_ip);
  cell.facts["peer"] = {{"runtime", ps.runtime}, {"address", peer_ip}};

  bool reached = false;
  for (int attempt = 0; attempt < 3 && !reached && !peer_ip.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));  // httpd may still be starting
    ExecResult r = rec.sh(subject, kFetch, {peer_ip, std::to_string(kPeerPort)}, 10);
    reached = r.exit_code == 0 && r.stdout_data.find(token) != std::string::npos;
  }
  cell.facts["reached_peer"] = reached;

  bool disconnected = false;
  try {
    rec.disconnect(subject, net.name());
    disconnected = true;
  } catch (const moat::Error& e) {
    cell.facts["disconnect_error"] = e.what();
  }
  const bool address_gone = disconnected && (!sees_interface || wait_for_address(rec, subject, subject_ip, false));
  cell.facts["address_gone_after_disconnect"] = address_gone;

  const SandboxInfo info = ctx.service().inspect(subject);
  const std::string after = before.empty() ? std::string() : started_at(ctx.engine(), subject);
  const bool not_restarted = info.running && after == before;
  rec.fact("engine", "StartedAt of " + subject + " before and after", before + " / " + after, not_restarted);
  cell.facts["restarted"] = !not_restarted;

  const std::string engine_rt = ctx.column().engine_runtime;
  const json& details = ctx.column().probe_details;
  const std::string caveat = details.is_object() && details.contains("caveat") && details["caveat"].is_string()
                                 ? details["caveat"].get<std::string>()
                                 : "";
  if (reached && disconnected && address_gone && not_restarted)
    rec.decide(Verdict::yes,
               "connected while running, reached the peer at " + peer_ip + ":8080, disconnected; no restart");
  else if (reached)
    rec.decide(Verdict::partial, std::string("reached the peer after connecting, but ") +
                                     (!disconnected   ? "disconnecting failed"
                                      : !address_gone ? "the address stayed after disconnecting"
                                                      : "the sandbox was restarted"));
  else if (!sees_interface)
    rec.decide(Verdict::no, "the engine attached the network (address " + subject_ip +
                                ") but the sandbox never saw it" +
                                (engine_rt.empty() ? std::string() : " (engine runtime " + engine_rt + ")") +
                                ", so the peer at " + peer_ip + " was unreachable" +
                                (caveat.empty() ? std::string() : "; the runtime's probe says: " + caveat));
  else
    rec.decide(Verdict::no, "the sandbox got " + subject_ip + " on the new network but could not reach the peer at " +
                                peer_ip + ":8080");
}

}  // namespace moat::matrix
