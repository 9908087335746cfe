#include <moat/matrix/runner.hpp>

#include <moat/bench/report/timestamp.hpp>
#include <moat/core/run_id.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/core/sweep.hpp>
#include <moat/matrix/checks.hpp>
#include <moat/matrix/columns.hpp>
#include <moat/matrix/harness_figures.hpp>
#include <moat/matrix/host_facts.hpp>
#include <moat/matrix/recommendation.hpp>
#include <moat/matrix/requirements.hpp>
#include <moat/matrix/seed_comparison.hpp>
#include <moat/matrix/seed_data.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

namespace moat::matrix {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Cells = std::map<std::string, Cell>;  // by row id, for one column

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The probes' host directories: made at the start, removed at the end.
class ScratchRoot {
 public:
  explicit ScratchRoot(fs::path path) : path_(std::move(path)) { fs::create_directories(path_); }
  ~ScratchRoot() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (ec) spdlog::warn("matrix: could not remove {}: {}", path_.string(), ec.message());
  }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class Progress {
 public:
  explicit Progress(std::function<void(const std::string&)> fn) : fn_(std::move(fn)) {}
  void operator()(const std::string& line) {
    if (!fn_) return;
    std::lock_guard lock(mutex_);
    fn_(line);
  }

 private:
  std::function<void(const std::string&)> fn_;
  std::mutex mutex_;
};

bool cancelled(const MatrixOptions& o) { return o.cancel != nullptr && o.cancel->load(); }

// Runs one probe; whatever escapes it is recorded in the cells it had not decided.
template <typename Fn>
void guarded(const MatrixOptions& o, Progress& progress, const Column& col,
             const std::vector<std::pair<std::string, Cell*>>& cells, Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  if (cancelled(o)) {
    for (auto& [id, c] : cells) {
      c->verdict = Verdict::unavailable;
      c->summary = "not probed: the run was interrupted";
    }
    return;
  }
  try {
    fn();
  } catch (const std::exception& e) {
    for (auto& [id, c] : cells) {
      if (!c->summary.empty()) continue;
      const bool interrupted = cancelled(o);
      c->verdict = interrupted ? Verdict::unavailable : Verdict::no;
      c->summary =
          interrupted ? std::string("interrupted: ") + e.what() : std::string("the probe did not finish: ") + e.what();
    }
  }
  const double s = seconds_since(t0);
  for (auto& [id, c] : cells) {
    c->duration_ms = s * 1000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    progress(col.id + ": " + id + " " + text_icon(c->verdict) + " " + buf + " - " + c->summary);
  }
}

// A directory name for a column ("runc+dind" -> "runc-dind").
std::string dir_name(const std::string& id) {
  std::string out;
  for (char c : id) out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '-';
  return out;
}

// The cells of a column that could not be probed: each says why.
void mark_unavailable(Cells& cells, const Column& col) {
  for (const auto& r : requirement_catalogue()) {
    if (r.declared || r.id == row::host_requirements) continue;
    Cell& c = cells[r.id];
    c.verdict = Verdict::unavailable;
    c.summary = col.reason;
  }
}

// Availability (the plugin's probe) and every measured row but boot-time,
// which runs later on a quiet engine. One sandbox service per column: the
// service is not thread-safe, and columns run concurrently.
Cells check_column(const core::PluginRegistry& registry, const core::Config& config, const MatrixOptions& o,
                   const RunInfo& run, Column& col, const fs::path& scratch, Progress& progress) {
  Cells cells;
  if (col.has_plugin) {
    core::SandboxService service(registry, config, [&o] { return cancelled(o); });
    const ProbeResult& p = service.availability(col.runtime);
    col.available = p.available;
    col.reason = p.reason;
    col.version = p.version;
    col.engine_runtime = p.engine_runtime;
    col.probe_details = p.details;
    check_host_requirements(col, run.host, cells[row::host_requirements]);
    progress(col.id + ": " + (col.available ? "available" : "unavailable: " + col.reason));
    if (col.available) {
      CheckContext ctx(service, run, col, scratch / dir_name(col.id));
      Cell& dind = cells[row::docker_in_docker];
      Cell& persistent = cells[row::persistent_dind];
      guarded(o, progress, col, {{row::docker_in_docker, &dind}, {row::persistent_dind, &persistent}},
              [&] { check_docker_in_docker(ctx, dind, persistent); });
      Cell& ws = cells[row::persistent_workspace];
      guarded(o, progress, col, {{row::persistent_workspace, &ws}}, [&] { check_persistent_workspace(ctx, ws); });
      Cell& bind = cells[row::bind_mounts];
      guarded(o, progress, col, {{row::bind_mounts, &bind}}, [&] { check_bind_mounts(ctx, bind); });
      Cell& net = cells[row::dynamic_networking];
      guarded(o, progress, col, {{row::dynamic_networking, &net}}, [&] { check_dynamic_networking(ctx, net); });
      Cell& priv = cells[row::unprivileged];
      guarded(o, progress, col, {{row::unprivileged, &priv}}, [&] { check_unprivileged(ctx, priv); });
      Cell& iso = cells[row::isolation];
      guarded(o, progress, col, {{row::isolation, &iso}}, [&] { check_isolation(ctx, iso); });
      return cells;
    }
  } else {
    check_host_requirements(col, run.host, cells[row::host_requirements]);
  }
  mark_unavailable(cells, col);
  return cells;
}

fs::path scratch_base(const core::Config& config, const MatrixOptions& o) {
  if (!o.scratch_dir.empty()) return o.scratch_dir;
  // Bind sources must lie under an allowed root when the configuration names some.
  if (!config.allowed_bind_roots.empty()) return config.allowed_bind_roots.front();
  return "/var/tmp";
}

// The run's safety net, as the report shows it: after every check has removed
// what it made, what the final sweep still found (and removed). A clean run
// reports nothing.
json cleanup_json(const core::SweepResult& r) {
  json sandboxes = json::array();
  for (const auto& s : r.sandboxes) sandboxes.push_back(s.runtime + "/" + s.name);
  json errors = r.errors;
  if (r.engine_error) errors.push_back(std::string("listing the engine's objects failed: ") + r.engine_error->what());
  return {{"containers", r.containers},
          {"volumes", r.volumes},
          {"networks", r.networks},
          {"sandboxes", sandboxes},
          {"errors", errors}};
}

}  // namespace

std::vector<std::string> check_requirements(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    const Requirement* r = find_requirement(id);
    if (r == nullptr || r->declared)
      throw moat::Error(MOAT_E_INVALID,
                        "--require: '" + id + "' is not a measured requirement (one of: " + requirable_ids() + ")");
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

MatrixReport run_matrix(const core::PluginRegistry& registry, const core::Config& config, const MatrixOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  MatrixReport report;
  report.started = bench::now_rfc3339();
  report.run_id = o.run_id.empty() ? core::new_run_id() : o.run_id;

  // Everything that can be wrong with the request fails before anything runs.
  const SeedData seed = load_seed(o.seed_file);
  report.seed_source = seed.source;
  std::vector<std::string> loaded;
  for (const auto& r : registry.records())
    if (r.ok() && !r.id.empty()) loaded.push_back(r.id);
  report.columns = plan_columns(loaded, seed, o.runtimes);
  const std::vector<std::string> required = check_requirements(o.require.empty() ? default_profile() : o.require);
  std::optional<HarnessFigures> harness;
  if (o.results) harness = read_harness_figures(*o.results);
  if (o.boot_samples < 1) throw moat::Error(MOAT_E_INVALID, "boot samples: must be at least 1");

  engine::DockerClient engine(o.engine);
  const ScratchRoot scratch(scratch_base(config, o) / ("moat-matrix-" + report.run_id));
  RunInfo run;
  run.run_id = report.run_id;
  run.images = o.images;
  run.check_timeout = o.check_timeout;
  run.engine = &engine;
  run.host = gather_host_facts(&engine, scratch.path());
  run.peer_runtime = std::find(loaded.begin(), loaded.end(), "runc") != loaded.end() ? "runc" : "";
  run.cancel = o.cancel;
  report.host = run.host;
  report.options = {{"runtimes", o.runtimes},
                    {"require", required},
                    {"results", o.results ? json(o.results->string()) : json(nullptr)},
                    {"probe_timeout_s", o.check_timeout.count()},
                    {"boot_samples", o.boot_samples},
                    {"images", {{"base", o.images.base}, {"dind", o.images.dind}}},
                    {"peer_runtime", run.peer_runtime}};
  if (harness) report.warnings.insert(report.warnings.end(), harness->warnings.begin(), harness->warnings.end());

  // Phase 1: columns concurrently (the engine is the bottleneck; see docs/matrix.md).
  Progress progress(o.progress);
  std::vector<Cells> results(report.columns.size());
  const std::size_t jobs = std::max<std::size_t>(
      1, o.jobs > 0 ? std::min<std::size_t>(o.jobs, report.columns.size()) : report.columns.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < report.columns.size(); i = next++) {
      Column& col = report.columns[i];
      try {
        results[i] = check_column(registry, config, o, run, col, scratch.path(), progress);
      } catch (const std::exception& e) {
        // The plugin could not even be opened or probed: the column says why.
        col.available = false;
        col.reason = e.what();
        results[i].clear();
        check_host_requirements(col, run.host, results[i][row::host_requirements]);
        mark_unavailable(results[i], col);
      }
    }
  };
  {
    std::vector<std::jthread> threads;
    for (std::size_t k = 1; k < jobs; ++k) threads.emplace_back(worker);
    worker();
  }

  // Phase 2: boot times, one column at a time (or from the results file).
  {
    core::SandboxService service(registry, config, [&o] { return cancelled(o); });
    for (std::size_t i = 0; i < report.columns.size(); ++i) {
      const Column& col = report.columns[i];
      if (!col.available) continue;
      Cell& cell = results[i][row::boot_time];
      if (harness && boot_from_results(col, *harness, cell)) {
        progress(col.id + ": boot-time " + text_icon(cell.verdict) + " - " + cell.summary);
        continue;
      }
      CheckContext ctx(service, run, col, scratch.path() / dir_name(col.id));
      guarded(o, progress, col, {{row::boot_time, &cell}}, [&] { check_boot_time(ctx, cell, o.boot_samples); });
    }
  }

  // The table: rows in catalogue order, cells by column.
  for (const auto& req : requirement_catalogue()) {
    Row r;
    r.requirement = req;
    for (std::size_t i = 0; i < report.columns.size(); ++i) {
      auto it = results[i].find(req.id);
      if (it != results[i].end()) r.cells[report.columns[i].id] = std::move(it->second);
    }
    report.rows.push_back(std::move(r));
  }
  fill_declared_rows(seed, report.columns, report.rows);
  fill_documented_cells(seed, report.columns, report.rows);
  report.disagreements = compare_with_seed(seed, report.columns, report.rows);

  std::map<std::string, json> figures;
  if (harness)
    for (const auto& col : report.columns)
      if (auto id = results_id_for(col, *harness); !id.empty() && harness->figures.contains(id))
        figures[col.id] = harness->figures.at(id);
  report.recommendation = recommend(report.columns, report.rows, required, figures);

  {
    core::SandboxService service(registry, config);
    report.cleanup = cleanup_json(core::sweep(service, {.scope = core::SweepScope::run, .run_id = report.run_id}));
  }
  report.interrupted = cancelled(o);
  report.finished = bench::now_rfc3339();
  report.duration_s = seconds_since(t0);
  return report;
}

}  // namespace moat::matrix
