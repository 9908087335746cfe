#include <moat/core/sandbox_service.hpp>

#include <moat/core/declared_fields.hpp>

#include <moat/support/spec_checks.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <system_error>
#include <tuple>

namespace moat::core {
namespace fs = std::filesystem;

namespace {

// Messages quote host paths from input: keep them to one printable line.
[[noreturn]] void invalid(const std::string& message) {
  throw moat::Error(MOAT_E_INVALID, support::printable(message));
}

std::string known_ids(const PluginRegistry& registry) {
  std::string out;
  for (const auto& r : registry.records())
    if (!r.id.empty() && r.status != PluginStatus::duplicate_id) out += (out.empty() ? "" : ", ") + r.id;
  return out.empty() ? "none: no runtime plugin was found ('moat plugins list' shows where moat looked)" : out;
}

void check_within_roots(const std::string& host_path, const std::string& field, const std::vector<fs::path>& roots) {
  std::error_code ec;
  const fs::path real = fs::canonical(host_path, ec);
  if (ec) invalid(field + ": cannot resolve host path '" + host_path + "' (" + ec.message() + ")");
  std::string allowed;
  for (const auto& root : roots) {
    const fs::path real_root = fs::weakly_canonical(root, ec);
    if (ec) continue;
    if (is_within(real, real_root)) return;
    allowed += (allowed.empty() ? "" : ", ") + root.string();
  }
  const std::string via = real.string() == host_path ? std::string() : " (it resolves to '" + real.string() + "')";
  invalid(field + ": host path '" + host_path + "'" + via + " is outside the allowed bind roots (" + allowed +
          "); use a directory under one of them, or add a root to allowed_bind_roots in the configuration");
}

std::string canonical_or_same(const std::string& path) {
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  return ec ? path : real.string();
}

}  // namespace

// ---- host policy -----------------------------------------------------------------

void validate_spec(const SandboxSpec& spec, const std::vector<fs::path>& allowed_bind_roots) {
  support::check_common_spec(spec);
  if (allowed_bind_roots.empty()) return;
  if (!spec.workspace.empty()) check_within_roots(spec.workspace, "workspace", allowed_bind_roots);
  if (!spec.home.empty()) check_within_roots(spec.home, "home", allowed_bind_roots);
  for (std::size_t i = 0; i < spec.mounts.size(); ++i)
    if (spec.mounts[i].type == "bind")
      check_within_roots(spec.mounts[i].source, "mounts[" + std::to_string(i) + "].source", allowed_bind_roots);
}

SandboxSpec with_resolved_bind_paths(SandboxSpec spec) {
  if (!spec.workspace.empty()) spec.workspace = canonical_or_same(spec.workspace);
  if (!spec.home.empty()) spec.home = canonical_or_same(spec.home);
  for (auto& m : spec.mounts)
    if (m.type == "bind") m.source = canonical_or_same(m.source);
  return spec;
}

engine::ClientOptions engine_client_options(const Config& config) {
  // A configured socket wins over DOCKER_HOST, which is then not even read:
  // DOCKER_HOST=tcp://... does not stop a moat whose engine.socket is set.
  engine::ClientOptions o;
  if (config.engine.socket) {
    std::string_view s = *config.engine.socket;
    if (s.starts_with("unix://")) s.remove_prefix(7);
    o.socket_path = std::string(s);
  } else {
    o = engine::ClientOptions::from_environment();
  }
  if (config.engine.timeout_s)
    o.timeout = std::chrono::milliseconds(static_cast<long long>(*config.engine.timeout_s * 1000));
  return o;
}

const std::vector<fs::path>& SandboxService::protected_paths(bool ask_engine) {
  if (protected_paths_ && (asked_engine_ || !ask_engine)) return *protected_paths_;
  std::optional<std::string> data_root;
  if (ask_engine) {
    asked_engine_ = true;
    try {
      engine::ClientOptions o = engine_client_options(config_);
      o.timeout = std::min(o.timeout, std::chrono::milliseconds(3000));
      const auto info = engine::DockerClient(o).info();
      if (auto it = info.find("DockerRootDir"); it != info.end() && it->is_string()) data_root = it->get<std::string>();
    } catch (const std::exception& e) {
      spdlog::debug("the engine's data root is unknown ({}): protecting the default /var/lib/docker", e.what());
    }
  }
  std::optional<std::string> socket = config_.engine.socket;
  try {
    if (!socket) socket = engine::ClientOptions::from_environment().socket_path;
  } catch (const std::exception&) {
    // DOCKER_HOST is not a unix socket: moat cannot talk to it, nor bind it
  }
  protected_paths_ = protected_host_paths(socket, data_root, config_.policy.protected_paths);
  return *protected_paths_;
}

// ---- runtimes --------------------------------------------------------------------

SandboxService::SandboxService(const PluginRegistry& registry, Config config, std::function<bool()> cancelled)
    : registry_(registry), config_(std::move(config)), cancelled_(std::move(cancelled)) {}

SandboxService::~SandboxService() = default;

std::string SandboxService::runtime_id_for(const SandboxSpec& spec) const {
  return spec.runtime.empty() ? config_.default_runtime : spec.runtime;
}

std::vector<std::string> SandboxService::loaded_runtime_ids() const {
  std::vector<std::string> ids;
  for (const auto& r : registry_.records())
    if (r.ok() && !r.id.empty()) ids.push_back(r.id);
  auto def = std::find(ids.begin(), ids.end(), config_.default_runtime);
  if (def != ids.end()) std::rotate(ids.begin(), def, def + 1);
  return ids;
}

RuntimeHandle& SandboxService::runtime(const std::string& id) {
  if (auto it = open_.find(id); it != open_.end()) return *it->second;
  const PluginRecord* record = registry_.find(id);
  if (record == nullptr || record->status == PluginStatus::duplicate_id)
    throw moat::Error(MOAT_E_UNAVAILABLE, "unknown runtime '" + id + "' (known: " + known_ids(registry_) +
                                              "); pick one of those with --runtime");
  if (!record->ok())
    throw moat::Error(MOAT_E_UNAVAILABLE, "runtime '" + id + "' is unavailable: its plugin " + record->path.string() +
                                              " failed to load (" + std::string(to_string(record->status)) +
                                              "): " + record->reason);
  std::unique_ptr<RuntimeHandle> handle;
  try {
    handle = registry_.open(id, config_.plugin_config(id));
  } catch (const moat::Error&) {
    // A Docker-backed plugin does not start on a DOCKER_HOST moat cannot use
    // (tcp://, ssh://, ...): that is the environment's fault, said as such
    // (status invalid, exit 65), not a failed plugin.
    if (!config_.engine.socket) (void)engine::ClientOptions::from_environment();
    throw;
  }
  return *open_.emplace(id, std::move(handle)).first->second;
}

const Capabilities& SandboxService::capabilities(const std::string& id) {
  if (auto it = capabilities_.find(id); it != capabilities_.end()) return it->second;
  return capabilities_.emplace(id, runtime(id).describe()).first->second;
}

const ProbeResult& SandboxService::availability(const std::string& id) {
  auto it = probes_.find(id);
  if (it != probes_.end() && !probe_cache_) return it->second;
  auto take = [&] {
    RuntimeHandle& handle = runtime(id);
    ProbeResult result;
    try {
      result = handle.probe();
    } catch (const moat::Error& e) {
      result.available = false;
      result.reason = std::string("its probe failed: ") + e.what();
    }
    if (!result.available && result.reason.empty()) result.reason = "its probe gave no reason";
    return result;
  };
  ProbeResult result;
  if (probe_cache_) {
    result = probe_cache_->get(id, take);
  } else if (const PluginRecord* record = verdicts_ ? registry_.find(id) : nullptr; record != nullptr) {
    const ProbeKey key{id, record->path, record->version, config_.plugin_config(id).dump()};
    if (auto kept = verdicts_->lookup(key)) {
      spdlog::debug("runtime {}: the probe verdict kept in {} still holds; not probing", id,
                    verdicts_->file().string());
      result = std::move(*kept);
    } else {
      spdlog::debug("runtime {}: probing (no verdict kept in {} holds)", id, verdicts_->file().string());
      result = take();
      verdicts_->store(key, result);
    }
  } else {
    result = take();
  }
  if (it != probes_.end()) return it->second = std::move(result);
  return probes_.emplace(id, std::move(result)).first->second;
}

bool SandboxService::verifies(const std::string& id) const {
  const nlohmann::json section = config_.plugin_config(id);
  auto it = section.find("verify");
  return it == section.end() || !it->is_boolean() || it->get<bool>();
}

void SandboxService::check_cancelled(const std::string& step) const {
  if (cancelled_ && cancelled_()) throw Cancelled("interrupted " + step);
}

// ---- create ----------------------------------------------------------------------

SandboxInfo SandboxService::create(SandboxSpec spec, bool start) {
  return make(std::move(spec), start, [](RuntimeHandle& handle, const SandboxSpec& s) { return handle.create(s); });
}

SandboxInfo SandboxService::make(SandboxSpec spec, bool start, const Maker& maker) {
  check_cancelled("before anything was created");
  spec.runtime = runtime_id_for(spec);
  validate_spec(spec, config_.allowed_bind_roots);
  const bool binds =
      !spec.workspace.empty() || !spec.home.empty() ||
      std::any_of(spec.mounts.begin(), spec.mounts.end(), [](const Mount& m) { return m.type == "bind"; });
  const PolicyDecision allowed = check_policy(spec, config_.policy, protected_paths(binds));
  RuntimeHandle& handle = runtime(spec.runtime);
  check_declared_fields(spec, capabilities(spec.runtime), spec.runtime);
  spec = with_resolved_bind_paths(std::move(spec));
  spec.labels[kPolicyLabel] = to_json(allowed).dump();
  // The service does the starting (so it can stop between the steps); a
  // plugin must not start on its own.
  if (!spec.options.is_object()) invalid("options: expected a JSON object");
  spec.options.erase("start");

  if (verifies(spec.runtime))
    if (const ProbeResult& p = availability(spec.runtime); !p.available)
      throw moat::Error(MOAT_E_UNAVAILABLE, "runtime '" + spec.runtime + "' is not available here: " + p.reason);
  check_cancelled("before anything was created");

  // Until this call ends, the name is recorded as being created: a second
  // moat asking for it gets a conflict, and should this process be killed
  // half-way, `moat gc` knows what it left.
  CreationJournal::Entry pending = journal_.begin(spec.name, spec.runtime);
  if (cross_runtime_name_check_) refuse_name_on_other_runtime(spec.name, spec.runtime);
  // Anything but success removes what was made. When that cannot be done
  // (the engine went away), the journal entry stays, so once this process
  // has ended `moat gc` removes the half-made sandbox; the error says so, in
  // its one line.
  auto rollback = [&]() -> std::string {
    try {
      handle.remove(spec.name);
      owners_.erase(spec.name);
      return {};
    } catch (const std::exception& e) {
      const auto* error = dynamic_cast<const moat::Error*>(&e);
      if (error != nullptr && error->status() == MOAT_E_NOT_FOUND) return {};  // nothing was made
      pending.keep();
      return std::string("; sandbox '") + spec.name + "' could not be removed (" + e.what() + "): 'moat gc' removes it";
    }
  };
  auto rethrow = [](const moat::Error& e, const std::string& note) {
    if (note.empty()) throw;
    if (dynamic_cast<const Cancelled*>(&e) != nullptr) throw Cancelled(e.what() + note);
    throw moat::Error(e.status(), e.what() + note);
  };
  SandboxInfo info;
  try {
    info = maker(handle, spec);
  } catch (const moat::Error& e) {
    // The engine may have made it before the answer was lost (a timeout, the
    // socket gone). A refusal (conflict, bad data, ...) made nothing, and a
    // conflict's sandbox is someone else's: left alone.
    const moat_status s = e.status();
    if (s != MOAT_E_TIMEOUT && s != MOAT_E_UNAVAILABLE && s != MOAT_E_FAILED && s != MOAT_E_INTERNAL) throw;
    rethrow(e, rollback());
  }
  owners_[spec.name] = spec.runtime;
  try {
    check_cancelled("after sandbox '" + spec.name + "' was created; it was removed again");
    if (start) {
      info = handle.start(spec.name);
      check_cancelled("after sandbox '" + spec.name + "' started; it was removed again");
    }
  } catch (const Cancelled& e) {
    rethrow(e, rollback());
  } catch (const moat::Error& e) {
    // A start that gave up waiting (an inner dockerd) because of the
    // interruption is an interruption too.
    const bool interrupted = cancelled_ && cancelled_();
    const std::string note = rollback();
    if (!interrupted) rethrow(e, note);
    throw Cancelled("interrupted while sandbox '" + spec.name + "' started (" + e.what() + "); it was removed again" +
                    note);
  } catch (...) {
    (void)rollback();
    throw;
  }
  return info;
}

// A name is one sandbox: the same name on a second runtime (the host plugin
// keeps its own namespace; the engine's would refuse only when both share
// one) is refused before anything is created. Runtimes that cannot say are
// skipped: an unreachable runtime is not one to create on either.
void SandboxService::refuse_name_on_other_runtime(const std::string& name, const std::string& runtime_id) {
  for (const auto& id : loaded_runtime_ids()) {
    if (id == runtime_id) continue;
    try {
      (void)runtime(id).inspect(name);
    } catch (const moat::Error& e) {
      if (e.status() != MOAT_E_NOT_FOUND && e.status() != MOAT_E_UNSUPPORTED)
        spdlog::debug("runtime {} could not say whether it has '{}': {}", id, name, e.what());
      continue;
    }
    throw moat::Error(MOAT_E_CONFLICT,
                      fmt::format("sandbox '{}' already exists on runtime '{}'; a name is one sandbox: pick another "
                                  "name or remove it first (moat sandbox rm {})",
                                  name, id, name));
  }
}

// ---- existing sandboxes ------------------------------------------------------------

SandboxService::Located SandboxService::locate(const std::string& name) {
  support::check_sandbox_name(name);
  if (auto it = owners_.find(name); it != owners_.end()) return {&runtime(it->second), std::nullopt};
  std::optional<moat::Error> first_error;
  for (const auto& id : loaded_runtime_ids()) {
    try {
      RuntimeHandle& handle = runtime(id);
      SandboxInfo info = handle.inspect(name);
      owners_[name] = id;
      return {&handle, std::move(info)};
    } catch (const moat::Error& e) {
      // Not this runtime's, or it cannot inspect: ask the next one.
      if (e.status() == MOAT_E_NOT_FOUND || e.status() == MOAT_E_UNSUPPORTED) continue;
      spdlog::debug("runtime {} could not say whether it owns '{}': {}", id, name, e.what());
      if (!first_error) first_error = e;
    }
  }
  if (first_error) throw *first_error;
  throw moat::Error(MOAT_E_NOT_FOUND, "no sandbox named '" + name + "' ('moat sandbox ls' lists them)");
}

RuntimeHandle& SandboxService::owner(const std::string& name) { return *locate(name).handle; }

namespace {

// Runs `op` on the owner; when a remembered owner no longer has the sandbox
// (removed and re-created elsewhere), looks it up once more.
template <typename Op>
auto on_owner(const std::string& name, std::map<std::string, std::string, std::less<>>& owners,
              const std::function<RuntimeHandle&()>& find, Op&& op) {
  const bool remembered = owners.contains(name);
  try {
    return op(find());
  } catch (const moat::Error& e) {
    if (!remembered || e.status() != MOAT_E_NOT_FOUND) throw;
    owners.erase(name);
    return op(find());
  }
}

}  // namespace

SandboxInfo SandboxService::start(const std::string& name) {
  return on_owner(
      name, owners_, [&]() -> RuntimeHandle& { return owner(name); }, [&](RuntimeHandle& h) { return h.start(name); });
}

void SandboxService::stop(const std::string& name, double timeout_s) {
  on_owner(
      name, owners_, [&]() -> RuntimeHandle& { return owner(name); },
      [&](RuntimeHandle& h) { h.stop(name, timeout_s); });
}

void SandboxService::restart(const std::string& name, double timeout_s) {
  on_owner(
      name, owners_, [&]() -> RuntimeHandle& { return owner(name); },
      [&](RuntimeHandle& h) { h.restart(name, timeout_s); });
}

void SandboxService::remove(const std::string& name) {
  on_owner(
      name, owners_, [&]() -> RuntimeHandle& { return owner(name); }, [&](RuntimeHandle& h) { h.remove(name); });
  owners_.erase(name);
}

namespace {

// Runs a long plugin call; when it fails after the cancellation was asked for
// (the runtime stopped waiting, and killed what an exec started), that is an
// interruption, not a failure.
template <typename Op>
auto interruptible(const std::function<bool()>& cancelled, Op&& op) {
  try {
    return op();
  } catch (const moat::Error& e) {
    if (cancelled && cancelled()) throw Cancelled(e.what());
    throw;
  }
}

}  // namespace

ExecResult SandboxService::exec(const ExecRequest& request) {
  return interruptible(cancelled_, [&] {
    return on_owner(
        request.name, owners_, [&]() -> RuntimeHandle& { return owner(request.name); },
        [&](RuntimeHandle& h) { return h.exec(request); });
  });
}

ExecResult SandboxService::exec_stream(const ExecRequest& request, const OutputSink& sink) {
  return interruptible(cancelled_, [&] {
    return on_owner(
        request.name, owners_, [&]() -> RuntimeHandle& { return owner(request.name); },
        [&](RuntimeHandle& h) { return h.exec_stream(request, sink); });
  });
}

ExecResult SandboxService::exec_interactive(const ExecRequest& request, const InputSource& input,
                                            const OutputSink& sink) {
  return interruptible(cancelled_, [&] {
    return on_owner(
        request.name, owners_, [&]() -> RuntimeHandle& { return owner(request.name); },
        [&](RuntimeHandle& h) { return h.exec_interactive(request, input, sink); });
  });
}

void SandboxService::logs_stream(const LogsRequest& request, const OutputSink& sink) {
  interruptible(cancelled_, [&] {
    on_owner(
        request.name, owners_, [&]() -> RuntimeHandle& { return owner(request.name); },
        [&](RuntimeHandle& h) { h.logs_stream(request, sink); });
  });
}

SandboxInfo SandboxService::inspect(const std::string& name) {
  if (!owners_.contains(name)) {
    Located found = locate(name);
    if (found.info) return *found.info;
  }
  return on_owner(
      name, owners_, [&]() -> RuntimeHandle& { return owner(name); },
      [&](RuntimeHandle& h) { return h.inspect(name); });
}

LogsResult SandboxService::logs(const std::string& name, std::optional<std::uint64_t> tail) {
  return interruptible(cancelled_, [&] {
    return on_owner(
        name, owners_, [&]() -> RuntimeHandle& { return owner(name); },
        [&](RuntimeHandle& h) { return h.logs(name, tail); });
  });
}

SandboxListing SandboxService::list() {
  SandboxListing out;
  for (const auto& id : loaded_runtime_ids()) {
    try {
      for (auto& info : runtime(id).list()) out.sandboxes.push_back(std::move(info));
    } catch (const moat::Error& e) {
      if (e.status() == MOAT_E_UNSUPPORTED) continue;  // a runtime that keeps no sandboxes
      out.failures.emplace_back(id, e);
    }
  }
  std::stable_sort(out.sandboxes.begin(), out.sandboxes.end(), [](const SandboxInfo& a, const SandboxInfo& b) {
    return std::tie(a.runtime, a.name) < std::tie(b.runtime, b.name);
  });
  return out;
}

}  // namespace moat::core
