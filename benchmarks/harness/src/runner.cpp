#include <moat/harness/runner.hpp>

#include <moat/bench/report/host_info.hpp>
#include <moat/bench/report/results_writer.hpp>
#include <moat/bench/report/timestamp.hpp>
#include <moat/bench/stats/random.hpp>
#include <moat/core/engine_facts.hpp>
#include <moat/core/run_id.hpp>
#include <moat/error.hpp>
#include <moat/harness/cleanup.hpp>
#include <moat/harness/environment.hpp>
#include <moat/harness/image_digests.hpp>
#include <moat/harness/sample_recorder.hpp>
#include <moat/harness/scenarios.hpp>
#include <moat/harness/seed.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#ifndef MOAT_HARNESS_VERSION
#error "MOAT_HARNESS_VERSION must be the project version"
#endif

namespace moat::harness {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void invalid(const std::string& message) { throw moat::Error(MOAT_E_INVALID, message); }

struct RuntimeChoice {
  std::vector<std::string> measured;               // available: measured
  std::map<std::string, std::string> unavailable;  // asked for by name but unavailable: id -> why
  std::vector<std::string> skipped;                // default selection: "id: why"
};

RuntimeChoice choose_runtimes(core::SandboxService& service, const std::vector<std::string>& asked) {
  RuntimeChoice c;
  if (asked.empty()) {
    for (const auto& id : service.loaded_runtime_ids()) {
      const ProbeResult& p = service.availability(id);
      if (p.available)
        c.measured.push_back(id);
      else
        c.skipped.push_back(id + ": " + p.reason);
    }
    std::sort(c.measured.begin(), c.measured.end());
    if (c.measured.empty())
      throw moat::Error(MOAT_E_UNAVAILABLE, "no runtime is available here ('moat runtimes' says why)");
    return c;
  }
  std::set<std::string> seen;
  for (const auto& id : asked) {
    if (!seen.insert(id).second) continue;
    (void)service.runtime(id);  // unavailable: no such plugin (with the known ids), or not loaded
    const ProbeResult& p = service.availability(id);
    if (p.available)
      c.measured.push_back(id);
    else
      c.unavailable[id] = p.reason;
  }
  if (c.measured.empty()) {
    std::string why;
    for (const auto& [id, reason] : c.unavailable) why += (why.empty() ? "" : "; ") + id + ": " + reason;
    throw moat::Error(MOAT_E_UNAVAILABLE, "none of the requested runtimes is available here (" + why + ")");
  }
  return c;
}

std::vector<std::string> choose_suites(const std::vector<std::string>& asked) {
  if (asked.empty()) return scenario_names();
  for (const auto& s : asked)
    if (std::find(scenario_names().begin(), scenario_names().end(), s) == scenario_names().end())
      invalid("unknown suite '" + s + "' (known: boot, build, io, cpu, density)");
  std::vector<std::string> out;
  for (const auto& s : scenario_names())  // the canonical order, duplicates dropped
    if (std::find(asked.begin(), asked.end(), s) != asked.end()) out.push_back(s);
  return out;
}

// Removes everything of the run when the runner leaves, however it leaves.
class RunCleanup {
 public:
  RunCleanup(Environment& env, std::string run_id, Progress* progress)
      : env_(env), run_id_(std::move(run_id)), progress_(progress) {}
  ~RunCleanup() {
    if (!done_) (void)run();
  }
  std::vector<std::string> run() {
    done_ = true;
    std::vector<std::string> errors;
    try {
      errors = env_.sandboxes().remove_all(env_.service());
      for (auto& e : remove_run(env_.service(), run_id_)) errors.push_back(std::move(e));
    } catch (const std::exception& e) {
      errors.push_back(std::string("cleanup: ") + e.what());
    }
    // One line however many failed (an engine that went away fails them
    // all for the same reason); the outcome keeps every one.
    if (progress_ && !errors.empty())
      progress_->note("could not remove " +
                      (errors.size() == 1
                           ? errors.front()
                           : std::to_string(errors.size()) + " objects of the run, the first: " + errors.front()) +
                      " (run 'moat gc --run-id " + run_id_ + "')");
    return errors;
  }

 private:
  Environment& env_;
  std::string run_id_;
  Progress* progress_;
  bool done_ = false;
};

struct UnitState {
  std::unique_ptr<ScenarioUnit> unit;
  std::optional<std::string> setup_error;
};

}  // namespace

const char* moat_version() { return MOAT_HARNESS_VERSION; }

BenchOutcome run_bench(const core::PluginRegistry& registry, const core::Config& config, BenchOptions options) {
  // ---- validate everything before anything is made ----
  if (options.repetitions && *options.repetitions < 1) invalid("repetitions: must be at least 1");
  if (options.warmup && *options.warmup < 0) invalid("warmup: must not be negative");
  if (options.out_dir.empty()) invalid("out: give a directory for the results");
  const std::vector<std::string> suites = choose_suites(options.suites);
  std::vector<std::unique_ptr<Scenario>> scenarios;
  scenarios.reserve(suites.size());
  for (const auto& s : suites) scenarios.push_back(make_scenario(s, options.profile));

  BenchOutcome outcome;
  outcome.run_id = options.run_id.empty() ? core::new_run_id() : options.run_id;
  const std::uint64_t seed = options.seed.value_or(new_seed());
  auto cancelled = options.cancelled ? options.cancelled : std::function<bool()>([] { return false; });

  auto main_service = std::make_unique<core::SandboxService>(registry, config, cancelled);
  main_service->skip_cross_runtime_name_check();  // run-id names: unique, and create is measured
  core::SandboxService& probe_service = *main_service;
  RuntimeChoice runtimes = choose_runtimes(probe_service, options.runtimes);
  outcome.skipped_runtimes = runtimes.skipped;

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "cannot create " + options.out_dir.string() + ": " + ec.message());
  const fs::path work_dir = options.work_dir.empty() ? options.out_dir / ("work-" + outcome.run_id) : options.work_dir;
  fs::create_directories(work_dir, ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "cannot create work directory " + work_dir.string() + ": " + ec.message());
  struct WorkDirGuard {
    fs::path dir;
    bool keep;
    ~WorkDirGuard() {
      std::error_code ignored;
      if (!keep) fs::remove_all(dir, ignored);
    }
  } work_guard{work_dir, options.keep_work_dir};

  // ---- manifest ----
  engine::DockerClient engine_client(options.engine);
  const core::EngineFacts facts = core::collect_engine_facts(engine_client);
  engine::DockerClient* engine = facts.reachable ? &engine_client : nullptr;

  bench::Manifest m;
  m.moat_version = moat_version();
  m.run_id = outcome.run_id;
  m.started = bench::now_rfc3339();
  m.seed = seed;
  m.profile = options.profile.name;
  m.host = bench::collect_host_info(work_dir);
  m.engine = {.name = "docker", .version = facts.version, .api = facts.api_version};
  if (!facts.reachable) m.host.extra["engine_error"] = facts.error;
  auto runtime_info = [&](const std::string& id) {
    const ProbeResult& p = probe_service.availability(id);
    bench::RuntimeInfo r;
    r.id = id;
    r.version = p.version;
    r.engine_runtime = p.engine_runtime;
    r.args = facts.runtime_args(p.engine_runtime);
    r.extra = {{"available", p.available}, {"probe", p.details}};
    if (!p.available) r.extra["reason"] = p.reason;
    return r;
  };
  for (const auto& id : runtimes.measured) m.runtimes[id] = runtime_info(id);
  for (const auto& [id, why] : runtimes.unavailable) m.runtimes[id] = runtime_info(id);
  std::vector<std::string> images;
  for (const auto& s : scenarios)
    for (auto& i : s->images()) images.push_back(std::move(i));
  m.images = image_digests(engine, images);

  nlohmann::json plans = nlohmann::json::object(), scenario_params = nlohmann::json::object();
  for (const auto& s : scenarios) {
    Repetitions r = options.profile.plan(s->name());
    if (options.repetitions) r.repetitions = *options.repetitions;
    if (options.warmup) r.warmup = *options.warmup;
    plans[s->name()] = {{"warmup", r.warmup}, {"repetitions", r.repetitions}};
    scenario_params[s->name()] = s->parameters();
  }
  m.parameters = {{"suites", suites},
                  {"runtimes", runtimes.measured},
                  {"runtimes_unavailable", runtimes.unavailable},
                  {"plans", plans},
                  {"scenarios", scenario_params},
                  {"order",
                   "scenarios in turn; within one, every repetition runs each runtime once in a freshly "
                   "shuffled order (Fisher-Yates over mt19937_64 seeded with derive_seed(seed, "
                   "'order|<scenario>'))"},
                  {"work_dir", work_dir.string()},
                  {"workloads_dir", options.workloads_dir.string()},
                  {"fsync_each_record", options.fsync_each_record}};

  outcome.jsonl_path = options.out_dir / kJsonlName;
  // A results.json left by an earlier run into the same directory would sit
  // next to this run's JSONL (and outlive it if this run is interrupted).
  fs::remove(options.out_dir / kJsonName, ec);
  bench::ResultsWriter writer(outcome.jsonl_path, m, {options.fsync_each_record});
  SampleRecorder recorder(writer, options.progress);
  for (const auto& s : scenarios) recorder.declare(s->metrics());

  Environment env(registry, config, RunIdentity{outcome.run_id, work_dir, options.workloads_dir}, recorder, cancelled,
                  engine, std::move(main_service));
  RunCleanup cleanup(env, outcome.run_id, options.progress);

  // ---- what the run will do (for progress) ----
  std::size_t total = 0, done = 0;
  for (const auto& s : scenarios) {
    const auto& p = plans[s->name()];
    total += runtimes.measured.size() * (p["warmup"].get<std::size_t>() + p["repetitions"].get<std::size_t>());
  }

  // ---- measure ----
  try {
    for (const auto& scenario : scenarios) {
      const std::string name = scenario->name();
      if (options.progress) options.progress->scenario_begin(name);
      for (const auto& [id, why] : runtimes.unavailable)
        recorder.unsupported(id, name, "", "runtime unavailable here: " + why);

      bench::stats::Rng rng(bench::stats::derive_seed(seed, "order|" + name));
      std::map<std::string, UnitState> units;
      std::vector<std::string> setup_order = runtimes.measured;
      rng.shuffle(setup_order);
      for (const auto& id : setup_order) {
        env.check_cancelled("before setting up " + name + " on " + id);
        if (options.progress) options.progress->note("setting up " + name + " on " + id);
        UnitState& st = units[id];
        try {
          st.unit = scenario->prepare(env, id);
        } catch (const core::Cancelled&) {
          throw;
        } catch (const moat::Error& e) {
          if (e.status() == MOAT_E_UNSUPPORTED)
            recorder.unsupported(id, name, "", e.what());
          else
            st.setup_error = std::string("setup failed: ") + e.what();
        } catch (const std::exception& e) {
          st.setup_error = std::string("setup failed: ") + e.what();
        }
        if (st.setup_error && options.progress) options.progress->note(name + " on " + id + ": " + *st.setup_error);
      }

      const auto& plan = plans[name];
      const int warmups = plan["warmup"].get<int>(), reps = plan["repetitions"].get<int>();
      for (int i = 0; i < warmups + reps; ++i) {
        std::vector<std::string> order = runtimes.measured;
        rng.shuffle(order);
        const bool warmup = i < warmups;
        const int rep = warmup ? i : i - warmups;
        for (const auto& id : order) {
          env.check_cancelled("between samples");
          ++done;
          UnitState& st = units[id];
          SampleScope scope(recorder, id, name, rep, warmup);
          if (recorder.is_unsupported(id, name, "")) {
            // nothing to measure
          } else if (st.setup_error) {
            scope.fail_remaining(*st.setup_error);
          } else if (st.unit) {
            try {
              st.unit->sample(scope);
              scope.fail_remaining("not measured: the scenario recorded no value (a harness bug)");
            } catch (const core::Cancelled&) {
              throw;
            } catch (const std::exception& e) {
              scope.fail_remaining(e.what());
            }
          }
          if (options.progress) {
            SampleReport report{
                name, id, rep, warmup, done, total, scope.values(), scope.failed(), scope.first_error()};
            options.progress->sample_done(report);
          }
        }
      }
      for (auto& [id, st] : units) {
        if (!st.unit) continue;
        try {
          st.unit->teardown();
        } catch (const std::exception& e) {
          if (options.progress) options.progress->note(name + " on " + id + ": teardown: " + e.what());
        }
        st.unit.reset();
      }
    }
  } catch (const core::Cancelled& e) {
    outcome.interrupted = true;
    if (options.progress) options.progress->note(std::string(e.what()) + "; removing the run's sandboxes");
  }

  outcome.cleanup_errors = cleanup.run();
  outcome.samples = recorder.samples();
  outcome.failures = recorder.failures();
  outcome.unsupported = recorder.unsupported_count();
  if (outcome.interrupted) {
    // No end record: readers see the run as incomplete, with every sample
    // that completed.
    outcome.results = writer.snapshot();
    return outcome;
  }
  outcome.json_path = options.out_dir / kJsonName;
  outcome.results = writer.finish(outcome.json_path);
  return outcome;
}

}  // namespace moat::harness
