// moat bench [--runtimes A,B] [--suite boot,build,io,cpu,density] [--profile quick|full]
//            [--repetitions N] [--warmup N] [--out DIR] [--seed N]
// Runs the benchmark harness (benchmarks/harness) through the sandbox
// service, writing DIR/results.jsonl as samples complete and DIR/results.json
// at the end, then prints the terminal table. Ctrl-C / SIGTERM stop between
// samples, remove the run's sandboxes and exit 130.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/table_writer.hpp>
#include <moat/core/run_id.hpp>
#include <moat/harness/runner.hpp>
#include <moat/harness/workloads.hpp>

#include <unistd.h>

#include <chrono>
#include <sstream>

#include <fmt/format.h>
#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "bench";

std::vector<std::string> split_list(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::stringstream in(item);
    std::string part;
    while (std::getline(in, part, ','))
      if (!part.empty()) out.push_back(part);
  }
  return out;
}

// The headline figure of a unit of work, for the progress line.
std::string headline(const harness::SampleReport& r) {
  static const std::map<std::string, std::string> preferred = {
      {"boot", "total"}, {"cpu", "compute"}, {"density", "all-ready"}};
  const harness::RecordedValue* pick = r.values.empty() ? nullptr : &r.values.front();
  if (auto it = preferred.find(r.scenario); it != preferred.end())
    for (const auto& v : r.values)
      if (v.metric == it->second) pick = &v;
  std::string text = pick ? fmt::format("{} {:.4g} {}", pick->metric, pick->value, pick->unit) : std::string();
  if (r.failed > 0) {
    std::string err = r.first_error.substr(0, 120);
    text += fmt::format("{}{} failed: {}", text.empty() ? "" : "; ", r.failed, err);
  }
  return text.empty() ? "not supported" : text;
}

// Progress on stderr: one live line on a terminal, plain lines otherwise.
class StderrProgress : public harness::Progress {
 public:
  StderrProgress(std::ostream& err, bool tty, bool quiet)
      : err_(err), tty_(tty), quiet_(quiet), start_(std::chrono::steady_clock::now()) {}
  ~StderrProgress() override { end_live(); }

  void scenario_begin(const std::string& scenario) override { line("scenario " + scenario); }
  void sample_done(const harness::SampleReport& r) override {
    if (quiet_) return;
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
    const std::string text =
        fmt::format("[{}/{} {}:{:02}] {} {} {} {}: {}", r.done, r.total, secs / 60, secs % 60, r.scenario, r.runtime,
                    r.warmup ? "warm-up" : "rep", r.repetition + 1, headline(r));
    if (tty_) {
      err_ << "\r\033[K" << text << std::flush;
      live_ = true;
    } else {
      err_ << text << '\n' << std::flush;
    }
  }
  void unsupported(const std::string& runtime, const std::string& scenario, const std::string& metric,
                   const std::string& reason) override {
    line("not supported: " + scenario + (metric.empty() ? "" : "/" + metric) + " on " + runtime + ": " + reason);
  }
  void note(const std::string& text) override { line(text); }
  void end_live() {
    if (live_) err_ << "\r\033[K" << std::flush;
    live_ = false;
  }

 private:
  void line(const std::string& text) {
    if (quiet_) return;
    end_live();
    err_ << text << '\n' << std::flush;
  }

  std::ostream& err_;
  bool tty_;
  bool quiet_;
  bool live_ = false;
  std::chrono::steady_clock::time_point start_;
};

template <typename T>
std::optional<T> optional_value(const Context& ctx, const std::string& name) {
  if (!ctx.vars().count(name)) return std::nullopt;
  return ctx.vars()[name].as<T>();
}

int run(Context& ctx) {
  harness::BenchOptions o;
  const std::string profile = option_value(ctx, "profile").empty() ? "quick" : option_value(ctx, "profile");
  auto p = harness::find_profile(profile);
  if (!p) throw UsageError("--profile '" + profile + "': expected quick or full", kHelpFor);
  o.profile = *p;
  o.runtimes = split_list(option_values(ctx, "runtimes"));
  o.suites = split_list(option_values(ctx, "suite"));
  for (const auto& s : o.suites)
    if (std::find(harness::scenario_names().begin(), harness::scenario_names().end(), s) ==
        harness::scenario_names().end())
      throw UsageError("--suite '" + s + "': expected boot, build, io, cpu or density", kHelpFor);
  o.repetitions = optional_value<int>(ctx, "repetitions");
  o.warmup = optional_value<int>(ctx, "warmup");
  if (o.repetitions && *o.repetitions < 1) throw UsageError("--repetitions must be at least 1", kHelpFor);
  if (o.warmup && *o.warmup < 0) throw UsageError("--warmup must not be negative", kHelpFor);
  if (auto seed = optional_value<std::uint64_t>(ctx, "seed")) {
    if (*seed >= (std::uint64_t{1} << 53)) throw UsageError("--seed must be below 2^53", kHelpFor);
    o.seed = seed;
  }
  o.run_id = run_id_option(ctx, kHelpFor);
  if (o.run_id.empty()) o.run_id = core::new_run_id();
  const std::string out = option_value(ctx, "out");
  o.out_dir = out.empty() ? std::filesystem::path("moat-bench") / o.run_id : std::filesystem::path(out);
  o.out_dir = std::filesystem::absolute(o.out_dir);
  if (const std::string w = option_value(ctx, "workdir"); !w.empty()) o.work_dir = std::filesystem::absolute(w);
  o.keep_work_dir = flag(ctx, "keep-workdir");
  o.fsync_each_record = flag(ctx, "fsync");
  o.workloads_dir = harness::find_workloads_dir(ctx.exe_dir());
  o.engine = engine_client_options(ctx.config());
  const std::atomic<bool>& cancel = ctx.cancel_flag();
  o.cancelled = [&cancel] { return cancel.load(); };

  StderrProgress progress(ctx.err(), ::isatty(STDERR_FILENO) == 1, ctx.out().quiet());
  o.progress = &progress;
  progress.note("moat bench: run " + o.run_id + ", profile " + o.profile.name + ", results in " + o.out_dir.string());

  harness::BenchOutcome outcome = harness::run_bench(ctx.registry(), ctx.config(), std::move(o));
  progress.end_live();
  for (const auto& s : outcome.skipped_runtimes) ctx.err() << "moat: skipped runtime " << s << '\n';

  if (outcome.interrupted) {
    ctx.err() << "moat: interrupted; " << outcome.samples << " samples are in " << outcome.jsonl_path.string()
              << " (an incomplete run: 'moat report' reads it)";
    if (!outcome.cleanup_errors.empty())
      ctx.err() << "; some sandboxes remain: run 'moat gc --run-id " << outcome.run_id << "'";
    ctx.err() << '\n';
    return to_int(ExitCode::interrupted);
  }

  const bench::Analysis analysis = bench::analyze(outcome.results);
  Output& output = ctx.out();
  if (output.json()) {
    output.document({{"run_id", outcome.run_id},
                     {"results", outcome.json_path.string()},
                     {"results_jsonl", outcome.jsonl_path.string()},
                     {"samples", outcome.samples},
                     {"failed", outcome.failures},
                     {"unsupported", outcome.unsupported},
                     {"cleanup_errors", outcome.cleanup_errors},
                     {"analysis", bench::to_json(analysis)}});
  } else if (!output.quiet()) {
    ctx.out_stream() << bench::render_table(analysis, {output.color()}) << std::flush;
  } else {
    output.line(outcome.json_path.string());
  }
  ctx.err() << fmt::format("moat: {} samples ({} failed, {} not supported); results in {}\n", outcome.samples,
                           outcome.failures, outcome.unsupported, outcome.json_path.string());
  if (!outcome.cleanup_errors.empty()) {
    ctx.err() << "moat: some sandboxes could not be removed; run 'moat gc --run-id " << outcome.run_id << "'\n";
    return to_int(ExitCode::failed);
  }
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("runtimes", po::value<std::vector<std::string>>()->value_name("A,B")->composing(),
       "runtimes to measure (default: every available one)")
    ("suite", po::value<std::vector<std::string>>()->value_name("S,...")->composing(),
       "scenarios: boot, build, io, cpu, density (default: all)")
    ("profile", po::value<std::string>()->value_name("P"), "quick (default) or full")
    ("repetitions", po::value<int>()->value_name("N"), "measured runs per scenario and runtime (default: the profile's)")
    ("warmup", po::value<int>()->value_name("N"), "discarded runs before them (default: the profile's)")
    ("out", po::value<std::string>()->value_name("DIR"), "where results go (default: ./moat-bench/<run id>)")
    ("seed", po::value<std::uint64_t>()->value_name("N"), "seed of the interleaving and the bootstrap (default: random)")
    ("run-id", po::value<std::string>()->value_name("ID"), "the run's id and label value (default: <UTC time>-<random>)")
    ("workdir", po::value<std::string>()->value_name("DIR"),
       "where workspaces bound into sandboxes are made (default: DIR/work-<run id>; removed at the end)")
    ("keep-workdir", po::bool_switch(), "do not remove the work directory")
    ("fsync", po::bool_switch(), "fsync results.jsonl after every sample (survives a power loss)");
  // clang-format on
}

}  // namespace

Command bench() {
  return {
      .path = {"bench"},
      .summary = "Benchmark runtimes: boot, build, I/O, CPU, density",
      .description =
          "Measures each runtime through the sandbox service: warm-ups, then N repetitions\n"
          "with the runtimes in a freshly shuffled order each time (seeded; the seed is in\n"
          "the manifest). Every sample goes to DIR/results.jsonl as it completes; the final\n"
          "document is DIR/results.json (docs/results-schema.md). Progress goes to stderr,\n"
          "the table to stdout. Every sandbox carries moat.run-id=<run id> and is removed\n"
          "at the end, on failure and on Ctrl-C/SIGTERM (exit 130); after a kill, run\n"
          "'moat gc --run-id ID'. What each scenario measures: docs/benchmark-methodology.md.\n"
          "Exits 69 when no requested runtime is available or one is unknown,\n"
          "1 when a sandbox of the run could not be removed.",
      .options = options,
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
