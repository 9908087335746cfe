// A long-lived sandbox a scenario works in (build, io, cpu): created and
// started in prepare(), removed when the unit goes (RAII). It is tracked by
// the run from before create() until removed, so an interrupted run removes
// it too.
#pragma once

#include <moat/harness/environment.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/model.hpp>

#include <string>

namespace moat::harness {

class WorkSandbox {
 public:
  // Creates and starts `spec` through the environment's service and reads
  // its paths. Throws what create/start/exec threw (nothing is left behind).
  WorkSandbox(Environment& env, SandboxSpec spec);
  ~WorkSandbox();
  WorkSandbox(const WorkSandbox&) = delete;
  WorkSandbox& operator=(const WorkSandbox&) = delete;

  [[nodiscard]] const std::string& name() const { return info_.name; }
  [[nodiscard]] const SandboxInfo& info() const { return info_; }
  [[nodiscard]] const SandboxPaths& paths() const { return paths_; }

  // Runs argv in the sandbox (exit code checked); see exec_checked().
  ExecResult run(std::vector<std::string> argv, double timeout_s, const std::map<std::string, std::string>& env = {},
                 const std::string& workdir = {});

  // Removes the sandbox now; throws when that fails (it stays tracked).
  void remove();

 private:
  Environment& env_;
  SandboxInfo info_;
  SandboxPaths paths_;
  bool removed_ = false;
};

}  // namespace moat::harness
