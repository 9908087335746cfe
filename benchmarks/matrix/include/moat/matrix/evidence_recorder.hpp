// Runs a probe's calls through the sandbox service and writes each one into
// the cell as evidence (the call, its output, how long it took), so a cell
// always shows the commands that decided it - also when a call throws.
#pragma once

#include <moat/matrix/model.hpp>
#include <moat/matrix/check_context.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// Output kept per stream and step in the evidence.
inline constexpr std::size_t kEvidenceBytes = 2000;

class EvidenceRecorder {
 public:
  EvidenceRecorder(CheckContext& ctx, Cell& cell);

  CheckContext& ctx() { return ctx_; }
  Cell& cell() { return cell_; }
  Deadline& deadline() { return deadline_; }

  // Sandbox calls: recorded, then any error rethrown (as the service threw it).
  SandboxInfo create(const SandboxSpec& spec, bool start);
  SandboxInfo start(const std::string& name);
  void stop(const std::string& name);
  void remove(const std::string& name);
  void connect(const std::string& name, const std::string& network);
  void disconnect(const std::string& name, const std::string& network);
  // Runs argv in the sandbox. A non-zero exit is a result, not an error; an
  // API error (or timeout) is recorded and rethrown.
  ExecResult exec(const std::string& name, const std::vector<std::string>& argv, double timeout_s = 30,
                  const std::string& workdir = {});
  // /bin/sh -c SCRIPT moat-matrix ARGS...: the script is a constant, the
  // values are positional parameters (never spliced into the script).
  ExecResult sh(const std::string& name, const std::string& script, const std::vector<std::string>& args = {},
                double timeout_s = 30, const std::string& workdir = {});

  // A look at the host or the engine (a host-level fact), recorded as given.
  void fact(const std::string& kind, const std::string& what, const std::string& result, bool ok = true);
  // Runs `fn` as one recorded step; its exception is recorded and rethrown.
  void step(const std::string& kind, const std::string& what, const std::function<void()>& fn);

  // Sets the verdict and its one-line reason.
  void decide(Verdict v, std::string summary);

 private:
  std::size_t begin(const std::string& kind, const std::string& what);
  CheckContext& ctx_;
  Cell& cell_;
  Deadline deadline_;
};

// Removes a sandbox when the scope ends, whatever happened (recorded; errors
// are recorded, never thrown; "not found" - never created, or already rolled
// back - is fine).
class SandboxLease {
 public:
  SandboxLease(EvidenceRecorder& rec, std::string name) : rec_(rec), name_(std::move(name)) {}
  ~SandboxLease();
  SandboxLease(const SandboxLease&) = delete;
  SandboxLease& operator=(const SandboxLease&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  EvidenceRecorder& rec_;
  std::string name_;
};

// Creates an engine network labelled moat.managed=true and moat.run-id and
// removes it when the scope ends.
class NetworkLease {
 public:
  NetworkLease(EvidenceRecorder& rec, std::string name, bool internal);
  ~NetworkLease();
  NetworkLease(const NetworkLease&) = delete;
  NetworkLease& operator=(const NetworkLease&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] const std::string& subnet() const { return subnet_; }

 private:
  EvidenceRecorder& rec_;
  std::string name_;
  std::string id_;
  std::string subnet_;
};

// "a b 'c d'": argv as a shell would show it (for evidence lines only).
std::string show_argv(const std::vector<std::string>& argv);

}  // namespace moat::matrix
