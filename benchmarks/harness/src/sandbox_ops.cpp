#include <moat/harness/sandbox_ops.hpp>

#include <moat/error.hpp>

#include <sstream>
#include <thread>

namespace moat::harness {

ReadyWait wait_until_ready(core::SandboxService& service, const std::string& name, std::chrono::milliseconds timeout,
                           std::chrono::microseconds poll_interval) {
  ReadyWait w;
  const auto begin = Clock::now();
  const auto deadline = begin + timeout;
  for (;;) {
    const auto call = Clock::now();
    LogsResult logs;
    try {
      logs = service.logs(name);
    } catch (const moat::Error& e) {
      if (e.status() != MOAT_E_UNSUPPORTED) throw;
      w.in_calls_ms += ms_between(call, Clock::now());
      w.supported = false;
      w.unsupported_reason = e.what();
      return w;
    }
    const auto returned = Clock::now();
    ++w.polls;
    w.in_calls_ms += ms_between(call, returned);
    if (logs.stdout_data.find(kReadyMarker) != std::string::npos) {
      w.elapsed_ms = ms_between(begin, returned);
      return w;
    }
    if (returned >= deadline)
      throw moat::Error(MOAT_E_TIMEOUT, "sandbox '" + name + "' did not print '" + kReadyMarker + "' within " +
                                            std::to_string(timeout.count()) + " ms of its start (" +
                                            std::to_string(w.polls) + " polls of its logs)");
    std::this_thread::sleep_for(poll_interval);
    w.sleeping_ms += ms_between(returned, Clock::now());
  }
}

std::string tail_lines(const std::string& text, int lines) {
  std::vector<std::string> all;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) all.push_back(line);
  std::string out;
  const std::size_t from = all.size() > static_cast<std::size_t>(lines) ? all.size() - lines : 0;
  for (std::size_t i = from; i < all.size(); ++i) out += (out.empty() ? "" : " | ") + all[i];
  return out;
}

ExecResult exec_checked(core::SandboxService& service, const std::string& name, std::vector<std::string> argv,
                        double timeout_s, const std::map<std::string, std::string>& env, const std::string& workdir) {
  ExecRequest request;
  request.name = name;
  request.argv = std::move(argv);
  request.timeout_s = timeout_s;
  request.env = env;
  request.workdir = workdir;
  ExecResult r = service.exec(request);
  if (r.exit_code != 0) {
    std::string tail = tail_lines(r.stderr_data);
    if (tail.empty()) tail = tail_lines(r.stdout_data);
    throw moat::Error(MOAT_E_FAILED, "'" + request.argv.front() + "' exited with code " + std::to_string(r.exit_code) +
                                         " in sandbox " + name + (tail.empty() ? std::string() : ": " + tail));
  }
  return r;
}

SandboxPaths sandbox_paths(core::SandboxService& service, const std::string& name) {
  ExecResult r =
      exec_checked(service, name, {"/bin/sh", "-c", "printf '%s\\n%s\\n' \"$PWD\" \"$HOME\""}, 60, {}, "/workspace");
  std::istringstream in(r.stdout_data);
  SandboxPaths p;
  std::getline(in, p.workspace);
  std::getline(in, p.home);
  if (p.workspace.empty() || p.workspace.front() != '/' || p.home.empty() || p.home.front() != '/')
    throw moat::Error(MOAT_E_FAILED, "sandbox " + name + " did not report its workspace and home directories (got '" +
                                         r.stdout_data + "')");
  return p;
}

}  // namespace moat::harness
