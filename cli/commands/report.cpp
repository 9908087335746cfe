// moat report RESULTS --format table|html|md|csv|json [--out FILE] [--matrix MATRIX.json]
// Reads a results file (the final JSON, or the JSONL of a crashed or
// interrupted run) and renders it.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"

#include <moat/bench/report/report.hpp>

#include <fstream>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace {

constexpr const char* kHelpFor = "report";

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw moat::Error(MOAT_E_NOT_FOUND, what + " " + path + " cannot be read");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw moat::Error(MOAT_E_INVALID, what + " " + path + " is not valid JSON");
  return j;
}

// Writes `text` to --out FILE, or stdout.
void emit(Context& ctx, const std::string& text) {
  const std::string out = option_value(ctx, "out");
  if (out.empty()) {
    ctx.out_stream() << text << std::flush;
    return;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (!f) throw moat::Error(MOAT_E_FAILED, "cannot write " + out);
  f << text;
  f.close();
  if (!f) throw moat::Error(MOAT_E_FAILED, "writing " + out + " failed");
  if (!ctx.out().quiet()) ctx.err() << "moat: wrote " << out << '\n';
}

bench::AnalysisOptions analysis_options(const Context& ctx) {
  bench::AnalysisOptions a;
  for (const auto& b : option_values(ctx, "baseline")) {
    const auto eq = b.find('=');
    if (eq == std::string::npos) {
      a.default_baseline = b;
      for (auto& [scenario, runtime] : a.baselines) runtime = b;
    } else if (eq == 0 || eq + 1 == b.size()) {
      throw UsageError("--baseline '" + b + "': expected RUNTIME or SCENARIO=RUNTIME", kHelpFor);
    } else {
      a.baselines[b.substr(0, eq)] = b.substr(eq + 1);
    }
  }
  return a;
}

int run(Context& ctx) {
  std::string format = option_value(ctx, "format");
  if (format.empty()) format = ctx.out().json() ? "json" : "table";
  if (format == "markdown") format = "md";
  if (format != "table" && format != "html" && format != "md" && format != "csv" && format != "json")
    throw UsageError("--format '" + format + "': expected table, html, md, csv or json", kHelpFor);
  const std::string matrix_file = option_value(ctx, "matrix");
  if (!matrix_file.empty() && format != "html") throw UsageError("--matrix needs --format html", kHelpFor);
  if (flag(ctx, "samples") && format != "csv") throw UsageError("--samples needs --format csv", kHelpFor);

  const bench::Results results = bench::load_results(ctx.arg("results"));
  for (const auto& w : results.warnings) ctx.err() << "moat: warning: " << w << '\n';
  if (format == "csv" && flag(ctx, "samples")) {
    emit(ctx, bench::render_samples_csv(results));
    return to_int(ExitCode::ok);
  }
  const bench::Analysis analysis = bench::analyze(results, analysis_options(ctx));
  if (format == "table") {
    emit(ctx, bench::render_table(analysis, {option_value(ctx, "out").empty() && ctx.out().color()}));
  } else if (format == "md") {
    emit(ctx, bench::render_markdown(analysis));
  } else if (format == "csv") {
    emit(ctx, bench::render_summary_csv(analysis));
  } else if (format == "json") {
    nlohmann::json doc = bench::to_json(analysis);
    emit(ctx, doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else {
    bench::HtmlOptions h;
    if (!matrix_file.empty()) h.matrix = read_json_file(matrix_file, "matrix file");
    if (const std::string title = option_value(ctx, "title"); !title.empty()) h.title = title;
    emit(ctx, bench::render_html(analysis, h));
  }
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("format", po::value<std::string>()->value_name("F"), "table (default), html, md, csv or json")
    ("out", po::value<std::string>()->value_name("FILE"), "write to FILE instead of stdout")
    ("matrix", po::value<std::string>()->value_name("FILE"), "html: add the requirements matrix ('moat matrix -o json')")
    ("baseline", po::value<std::vector<std::string>>()->value_name("[S=]RUNTIME")->composing(),
       "ratio baseline: for every scenario, or for scenario S (default: host for cpu/io, runc otherwise)")
    ("samples", po::bool_switch(), "csv: one row per raw sample instead of per summary")
    ("title", po::value<std::string>()->value_name("T"), "html: the report's title");
  // clang-format on
}

}  // namespace

Command report() {
  return {
      .path = {"report"},
      .summary = "Render benchmark results: table, HTML, Markdown, CSV, JSON",
      .description =
          "Reads RESULTS (results.json, or the results.jsonl of an interrupted or crashed\n"
          "run, detected from the content) and prints per scenario, metric and runtime:\n"
          "n, median, p95, CoV, the ratio to the baseline with its bootstrap 95% CI, errors.\n"
          "The HTML is one self-contained file with charts that opens offline. Exits 66\n"
          "when RESULTS is missing, 65 when it is not a valid results file.",
      .options = options,
      .positionals = {{.name = "results", .description = "results.json or results.jsonl"}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
