#include <moat/harness/environment.hpp>

#include <moat/error.hpp>

namespace moat::harness {

Environment::Environment(const core::PluginRegistry& registry, const core::Config& config, RunIdentity identity,
                         SampleRecorder& recorder, std::function<bool()> cancelled, engine::DockerClient* engine,
                         std::unique_ptr<core::SandboxService> service)
    : registry_(registry),
      config_(config),
      identity_(std::move(identity)),
      recorder_(recorder),
      cancelled_(std::move(cancelled)),
      engine_(engine),
      service_(service ? std::move(service) : new_service()) {}

Environment::~Environment() = default;

std::unique_ptr<core::SandboxService> Environment::new_service() const {
  auto service = std::make_unique<core::SandboxService>(registry_, config_, cancelled_);
  service->skip_cross_runtime_name_check();  // run-id names: unique, and create is measured
  return service;
}

void Environment::check_cancelled(const std::string& where) const {
  if (cancelled()) throw core::Cancelled("interrupted " + where);
}

std::string Environment::sandbox_name(const std::string& scenario, const std::string& runtime) {
  return "mb-" + identity_.run_id + "-" + scenario + "-" + runtime + "-" + std::to_string(counter_++);
}

SandboxSpec Environment::spec(const std::string& name, const std::string& runtime, const std::string& image) const {
  SandboxSpec s;
  s.name = name;
  s.runtime = runtime;
  s.image = image;
  s.labels[kRunIdLabel] = identity_.run_id;
  return s;
}

std::filesystem::path Environment::make_work_dir(const std::string& scenario, const std::string& runtime) {
  std::filesystem::path dir = identity_.work_dir / (scenario + "-" + runtime + "-" + std::to_string(counter_++));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "cannot create work directory " + dir.string() + ": " + ec.message());
  return dir;
}

bool Environment::has_container(const std::string& runtime) { return !probe(runtime).engine_runtime.empty(); }

}  // namespace moat::harness
