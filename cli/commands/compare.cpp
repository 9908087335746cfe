// moat compare BASE.json NEW.json [--threshold PCT]: per metric the change of
// the median and whether it is significant; exits 1 when NEW regressed
// beyond the threshold (the CI gate).
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

constexpr const char* kHelpFor = "compare";

// Returns the option as a fraction; `fallback_percent` is in percent like the flag.
double percent_option(const Context& ctx, const std::string& name, double fallback_percent) {
  if (!ctx.vars().count(name)) return fallback_percent / 100.0;
  const double v = ctx.vars()[name].as<double>();
  if (!(v >= 0 && v < 1000)) throw UsageError("--" + name + " must be a percentage between 0 and 1000", kHelpFor);
  return v / 100.0;
}

int run(Context& ctx) {
  std::string format = option_value(ctx, "format");
  if (format.empty()) format = ctx.out().json() ? "json" : "table";
  if (format == "markdown") format = "md";
  if (format != "table" && format != "md" && format != "csv" && format != "json")
    throw UsageError("--format '" + format + "': expected table, md, csv or json", kHelpFor);

  bench::CompareOptions o;
  o.threshold = percent_option(ctx, "threshold", 5);
  o.noise_floor = percent_option(ctx, "noise-floor", 5);
  if (ctx.vars().count("alpha")) {
    o.alpha = ctx.vars()["alpha"].as<double>();
    if (!(o.alpha > 0 && o.alpha < 1)) throw UsageError("--alpha must be between 0 and 1", kHelpFor);
  }
  const std::string test = option_value(ctx, "test");
  if (test == "permutation")
    o.test = bench::SignificanceTest::permutation;
  else if (!test.empty() && test != "mann-whitney")
    throw UsageError("--test '" + test + "': expected mann-whitney or permutation", kHelpFor);

  const bench::Results base = bench::load_results(ctx.arg("base"));
  const bench::Results now = bench::load_results(ctx.arg("new"));
  o.seed = now.manifest.seed;
  const bench::Comparison c = bench::compare(base, now, o);

  std::string text;
  if (format == "table")
    text = bench::render_table(c, {option_value(ctx, "out").empty() && ctx.out().color()});
  else if (format == "md")
    text = bench::render_markdown(c);
  else if (format == "csv")
    text = bench::render_compare_csv(c);
  else
    text = bench::to_json(c).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (const std::string out = option_value(ctx, "out"); !out.empty()) {
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw moat::Error(MOAT_E_FAILED, "cannot write " + out);
  } else {
    ctx.out_stream() << text << std::flush;
  }
  if (c.regression) {
    ctx.err() << "moat: regression: " << c.regressions << " metric(s) got significantly worse by more than "
              << o.threshold * 100 << "%\n";
    return to_int(ExitCode::failed);
  }
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("threshold", po::value<double>()->value_name("PCT"), "a significant change worse than PCT% is a regression (default 5)")
    ("noise-floor", po::value<double>()->value_name("PCT"), "changes up to PCT% are never significant (default 5)")
    ("alpha", po::value<double>()->value_name("P"), "p-value below which a change can be significant (default 0.01)")
    ("test", po::value<std::string>()->value_name("T"), "mann-whitney (default) or permutation")
    ("format", po::value<std::string>()->value_name("F"), "table (default), md, csv or json")
    ("out", po::value<std::string>()->value_name("FILE"), "write to FILE instead of stdout");
  // clang-format on
}

}  // namespace

Command compare() {
  return {
      .path = {"compare"},
      .summary = "Compare two benchmark runs; exit 1 on a regression",
      .description =
          "For every runtime, scenario and metric in either run: the change of the median,\n"
          "the ratio NEW/BASE with its bootstrap 95% CI, and a two-sided Mann-Whitney U\n"
          "(or permutation) test. A change is significant when p < alpha and it exceeds\n"
          "the noise floor; a significant change in the bad direction beyond --threshold\n"
          "is a regression, and so is a metric whose samples all failed in NEW.\n"
          "Exits 1 on a regression, 0 otherwise (66/65 for a missing or invalid file).",
      .options = options,
      .positionals = {{.name = "base", .description = "the reference results"},
                      {.name = "new", .description = "the results to judge"}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
