// --results: the boot figure and the other metrics come from a `moat bench`
// results file, mapped onto the matrix's columns.
#include "matrix_test_support.hpp"

#include <moat/bench/report/results_writer.hpp>
#include <moat/matrix/harness_figures.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

using namespace moat::matrix;
namespace fs = std::filesystem;

namespace {

fs::path write_results(const fs::path& dir) {
  moat::bench::Manifest m;
  m.run_id = "bench-1";
  m.runtimes["runc"] = {"runc", "1.1.5", "runc", {}, {}};
  m.runtimes["gvisor"] = {"gvisor", "2022", "runsc-nonet", {}, {}};
  moat::bench::ResultsWriter w(dir / "r.jsonl", m);
  w.declare_metric({"boot", "total", "ms", moat::bench::Direction::lower_is_better, ""});
  w.declare_metric({"io", "seq_read", "MiB/s", moat::bench::Direction::higher_is_better, ""});
  const double runc[] = {400, 410, 420, 430, 440};
  const double gv[] = {900, 950, 1000, 1050, 1100};
  for (int i = 0; i < 5; ++i) {
    w.record_value("runc", "boot", "total", i, runc[i]);
    w.record_value("gvisor", "boot", "total", i, gv[i]);
    w.record_value("runc", "io", "seq_read", i, 1000 + i);
  }
  w.finish(dir / "r.json");
  return dir / "r.json";
}

}  // namespace

TEST(HarnessFigures, BootFromResultsFillsTheCell) {
  const fs::path dir = fs::temp_directory_path() / ("moat-matrix-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const HarnessFigures h = read_harness_figures(write_results(dir));
  fs::remove_all(dir);
  ASSERT_TRUE(h.boot.contains("runc"));
  EXPECT_DOUBLE_EQ(h.boot.at("runc").median_ms, 420);
  EXPECT_EQ(h.boot.at("runc").metric, "boot/total");
  EXPECT_EQ(h.figures.at("runc").size(), 2U);

  Column runc = moat::matrix_test::column("runc");
  Cell cell;
  ASSERT_TRUE(boot_from_results(runc, h, cell));
  EXPECT_EQ(cell.verdict, Verdict::yes);
  EXPECT_DOUBLE_EQ(*cell.value_ms, 420);
  EXPECT_EQ(cell.facts["source"], "results");
  EXPECT_NE(cell.summary.find("0.42 s (boot/total median of 5"), std::string::npos) << cell.summary;

  // runc's DinD variant is not what the harness measured as "runc".
  Column variant = runc;
  variant.id = "runc+dind";
  variant.dind = DindPolicy::always;
  Cell none;
  EXPECT_FALSE(boot_from_results(variant, h, none));
  EXPECT_EQ(results_id_for(variant, h), "");
  EXPECT_EQ(results_id_for(moat::matrix_test::column("gvisor"), h), "gvisor");
}

TEST(HarnessFigures, MissingFileIsAnError) {
  EXPECT_THROW(read_harness_figures("/nonexistent/results.json"), moat::Error);
}
