// Results files as `moat report` and `moat compare` read them: the final JSON
// document or the JSONL stream of a run, detected from the content as
// load_results does, then analysed, rendered in every format and compared.
//
// Input: the bytes of a results file.
//
// Invariants: the readers accept or throw moat::Error (results_reader.hpp),
// nothing else; analysis, every writer and compare never throw anything but
// moat::Error; the machine-readable outputs are valid JSON; a run compared
// with itself shows no regression.
#include "fuzz_check.hpp"

#include <moat/bench/report/report.hpp>
#include <moat/error.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace {

using moat::fuzz::expect;
using moat::fuzz::finding;
using nlohmann::json;
namespace bench = moat::bench;

std::optional<bench::Results> read(std::string_view text) {
  try {
    const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object() && j.contains("format")) return bench::results_from_json(j);
    return bench::parse_results_jsonl(text);
  } catch (const moat::Error& e) {
    expect(*e.what() != '\0', "reader error without a message");
    return std::nullopt;
  } catch (const std::exception& e) {
    finding(std::string("the results reader threw something other than moat::Error: ") + e.what());
  }
}

template <typename F>
void only_moat_errors(const char* who, F&& f) {
  try {
    f();
  } catch (const moat::Error&) {
  } catch (const std::exception& e) {
    finding(std::string(who) + " threw something other than moat::Error: " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto results = read(text);
  if (!results) return 0;

  // Few resamples: the statistics are tested elsewhere; this is about input.
  bench::AnalysisOptions analysis_options;
  analysis_options.bootstrap_resamples = 16;
  analysis_options.seed = 1;
  only_moat_errors("analysis and writers", [&] {
    const bench::Analysis analysis = bench::analyze(*results, analysis_options);
    (void)bench::render_table(analysis);
    (void)bench::render_markdown(analysis);
    (void)bench::render_summary_csv(analysis);
    (void)bench::render_samples_csv(*results);
    (void)bench::render_html(analysis);
    const std::string machine = bench::to_json(analysis).dump();
    expect(json::accept(machine), "to_json(analysis) is not valid JSON");
    const std::string document = bench::results_to_json(*results).dump();
    expect(json::accept(document), "results_to_json is not valid JSON");
  });

  bench::CompareOptions compare_options;
  compare_options.bootstrap_resamples = 16;
  compare_options.permutations = 16;
  compare_options.test = size % 2 == 0 ? bench::SignificanceTest::mann_whitney : bench::SignificanceTest::permutation;
  only_moat_errors("compare and its writers", [&] {
    const bench::Comparison same = bench::compare(*results, *results, compare_options);
    expect(!same.regression && same.regressions == 0, "a run compared with itself shows a regression");
    (void)bench::render_table(same);
    (void)bench::render_markdown(same);
    (void)bench::render_compare_csv(same);
  });
  return 0;
}
