#include <moat/harness/work_sandbox.hpp>

namespace moat::harness {

WorkSandbox::WorkSandbox(Environment& env, SandboxSpec spec) : env_(env) {
  const std::string name = spec.name;
  env_.sandboxes().add(name);
  try {
    info_ = env_.service().create(std::move(spec), true);
    info_.name = name;
    paths_ = sandbox_paths(env_.service(), name);
  } catch (...) {
    try {
      env_.sandboxes().remove(env_.service(), name);
    } catch (const std::exception&) {
      // Stays tracked: the run's cleanup tries again and reports it.
    }
    throw;
  }
}

WorkSandbox::~WorkSandbox() {
  if (removed_) return;
  try {
    remove();
  } catch (const std::exception&) {
    // Stays tracked: the run's cleanup tries again and reports it.
  }
}

ExecResult WorkSandbox::run(std::vector<std::string> argv, double timeout_s,
                            const std::map<std::string, std::string>& env, const std::string& workdir) {
  return exec_checked(env_.service(), info_.name, std::move(argv), timeout_s, env, workdir);
}

void WorkSandbox::remove() {
  if (removed_) return;
  env_.sandboxes().remove(env_.service(), info_.name);
  removed_ = true;
}

}  // namespace moat::harness
