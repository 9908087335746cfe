#include <moat/harness/cleanup.hpp>

#include <moat/core/sweep.hpp>

namespace moat::harness {

std::vector<std::string> remove_run(core::SandboxService& service, const std::string& run_id) {
  core::SweepResult r = core::sweep(service, {.scope = core::SweepScope::run, .run_id = run_id});
  if (r.engine_error)
    r.errors.push_back(std::string("the run's engine objects (the engine could not list them: ") +
                       r.engine_error->what() + ")");
  return r.errors;
}

std::vector<std::string> leftovers_of_run(core::SandboxService& service, const std::string& run_id) {
  return core::sweep(service, {.scope = core::SweepScope::run, .run_id = run_id, .dry_run = true}).found();
}

}  // namespace moat::harness
