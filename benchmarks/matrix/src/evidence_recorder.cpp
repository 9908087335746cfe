#include <moat/matrix/evidence_recorder.hpp>

#include <moat/engine/docker_client.hpp>

#include <spdlog/spdlog.h>

#include <chrono>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

std::string cap(const std::string& s) {
  if (s.size() <= kEvidenceBytes) return s;
  // Keep the end: that is where the error usually is.
  return "[... " + std::to_string(s.size() - kEvidenceBytes) + " bytes cut]" + s.substr(s.size() - kEvidenceBytes);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string describe_spec(const SandboxSpec& s) {
  std::string out = s.name + " on " + s.runtime + " (image " + s.image;
  if (s.dind) out += ", DinD mode";
  if (!s.workspace.empty()) out += ", workspace " + s.workspace;
  if (!s.home.empty()) out += ", home " + s.home;
  for (const auto& m : s.mounts) out += ", " + m.type + " " + m.source + ":" + m.target + (m.read_only ? ":ro" : "");
  if (!s.network.empty()) out += ", network " + s.network;
  if (!s.command.empty()) out += ", command " + show_argv(s.command);
  return out + ")";
}

}  // namespace

std::string show_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"$\\;&|<>(){}*?") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

EvidenceRecorder::EvidenceRecorder(CheckContext& ctx, Cell& cell)
    : ctx_(ctx),
      cell_(cell),
      deadline_(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.run().check_timeout)) {}

std::size_t EvidenceRecorder::begin(const std::string& kind, const std::string& what) {
  if (ctx_.cancelled()) throw moat::Error(MOAT_E_FAILED, "interrupted before " + what);
  deadline_.check(what);
  Step s;
  s.kind = kind;
  s.what = what;
  cell_.steps.push_back(std::move(s));
  return cell_.steps.size() - 1;
}

void EvidenceRecorder::step(const std::string& kind, const std::string& what, const std::function<void()>& fn) {
  const std::size_t i = begin(kind, what);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    fn();
    cell_.steps[i].ms = ms_since(t0);
  } catch (const std::exception& e) {
    cell_.steps[i].ms = ms_since(t0);
    cell_.steps[i].ok = false;
    cell_.steps[i].error = e.what();
    throw;
  }
}

SandboxInfo EvidenceRecorder::create(const SandboxSpec& spec, bool start) {
  SandboxInfo info;
  step("create", std::string(start ? "create and start " : "create ") + describe_spec(spec),
       [&] { info = ctx_.service().create(spec, start); });
  return info;
}

SandboxInfo EvidenceRecorder::start(const std::string& name) {
  SandboxInfo info;
  step("start", "start " + name, [&] { info = ctx_.service().start(name); });
  return info;
}

void EvidenceRecorder::stop(const std::string& name) {
  step("stop", "stop " + name, [&] { ctx_.service().stop(name, 10); });
}

void EvidenceRecorder::remove(const std::string& name) {
  step("remove", "remove " + name, [&] { ctx_.service().remove(name); });
}

void EvidenceRecorder::connect(const std::string& name, const std::string& network) {
  step("connect", "connect " + name + " to network " + network,
       [&] { ctx_.service().owner(name).connect_network(name, network); });
}

void EvidenceRecorder::disconnect(const std::string& name, const std::string& network) {
  step("disconnect", "disconnect " + name + " from network " + network,
       [&] { ctx_.service().owner(name).disconnect_network(name, network); });
}

ExecResult EvidenceRecorder::exec(const std::string& name, const std::vector<std::string>& argv, double timeout_s,
                                  const std::string& workdir) {
  const std::size_t i =
      begin("exec", "exec in " + name + (workdir.empty() ? "" : " (workdir " + workdir + ")") + ": " + show_argv(argv));
  cell_.steps[i].argv = argv;
  ExecRequest r;
  r.name = name;
  r.argv = argv;
  r.workdir = workdir;
  r.timeout_s = deadline_.exec_limit(timeout_s);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    ExecResult out = ctx_.service().exec(r);
    Step& s = cell_.steps[i];
    s.ms = ms_since(t0);
    s.exit_code = out.exit_code;
    s.out = cap(out.stdout_data);
    s.err = cap(out.stderr_data);
    s.ok = out.exit_code == 0;
    return out;
  } catch (const std::exception& e) {
    Step& s = cell_.steps[i];
    s.ms = ms_since(t0);
    s.ok = false;
    s.error = e.what();
    throw;
  }
}

ExecResult EvidenceRecorder::sh(const std::string& name, const std::string& script,
                                const std::vector<std::string>& args, double timeout_s, const std::string& workdir) {
  std::vector<std::string> argv = {"/bin/sh", "-c", script, "moat-matrix"};
  argv.insert(argv.end(), args.begin(), args.end());
  return exec(name, argv, timeout_s, workdir);
}

void EvidenceRecorder::fact(const std::string& kind, const std::string& what, const std::string& result, bool ok) {
  Step s;
  s.kind = kind;
  s.what = what;
  s.out = cap(result);
  s.ok = ok;
  cell_.steps.push_back(std::move(s));
}

void EvidenceRecorder::decide(Verdict v, std::string summary) {
  cell_.verdict = v;
  cell_.summary = std::move(summary);
}

SandboxLease::~SandboxLease() {
  Step s;
  s.kind = "remove";
  s.what = "remove " + name_ + " (cleanup)";
  const auto t0 = std::chrono::steady_clock::now();
  try {
    rec_.ctx().service().remove(name_);
  } catch (const moat::Error& e) {
    if (e.status() == MOAT_E_NOT_FOUND) return;  // never created, or already gone
    s.ok = false;
    s.error = e.what();
    spdlog::warn("matrix: could not remove sandbox {}: {} (run 'moat gc --run-id {}')", name_, e.what(),
                 rec_.ctx().run().run_id);
  } catch (const std::exception& e) {
    s.ok = false;
    s.error = e.what();
    spdlog::warn("matrix: could not remove sandbox {}: {}", name_, e.what());
  }
  s.ms = ms_since(t0);
  rec_.cell().steps.push_back(std::move(s));
}

NetworkLease::NetworkLease(EvidenceRecorder& rec, std::string name, bool internal) : rec_(rec), name_(std::move(name)) {
  const std::map<std::string, std::string> labels = {{kManagedLabel, "true"}, {kRunIdLabel, rec.ctx().run().run_id}};
  rec.step("engine", "create network " + name_ + (internal ? " (internal)" : "") + " labelled moat.managed=true",
           [&] { id_ = rec.ctx().engine().create_network(name_, labels, internal); });
  // The subnet the engine chose, for checking what the sandbox sees.
  for (const auto& n : rec.ctx().engine().list_networks({{kRunIdLabel, rec.ctx().run().run_id}})) {
    if (n.value("Name", "") != name_) continue;
    const json ipam = n.value("IPAM", json::object());
    const json configs = ipam.value("Config", json::array());
    if (configs.is_array() && !configs.empty() && configs[0].is_object()) subnet_ = configs[0].value("Subnet", "");
  }
  rec.fact("engine", "network " + name_ + " subnet", subnet_.empty() ? "(unknown)" : subnet_);
}

NetworkLease::~NetworkLease() {
  if (id_.empty()) return;
  Step s;
  s.kind = "engine";
  s.what = "remove network " + name_ + " (cleanup)";
  const auto t0 = std::chrono::steady_clock::now();
  try {
    rec_.ctx().engine().remove_network(id_);
  } catch (const std::exception& e) {
    s.ok = false;
    s.error = e.what();
    spdlog::warn("matrix: could not remove network {}: {}", name_, e.what());
  }
  s.ms = ms_since(t0);
  rec_.cell().steps.push_back(std::move(s));
}

}  // namespace moat::matrix
