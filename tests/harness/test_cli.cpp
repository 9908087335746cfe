// `moat bench`, `moat report` and `moat compare` through the real binary:
// output files, formats, exit codes, progress on stderr, and Ctrl-C /
// SIGTERM / SIGKILL + `moat gc --run-id` leaving nothing behind.
#include "harness_test_support.hpp"

#include <moat/bench/report/results_reader.hpp>
#include <moat/bench/report/results_writer.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/harness/cleanup.hpp>

#include <signal.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using namespace moat::harness_test;
using json = nlohmann::json;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A results file with one metric whose runc samples are `values`.
void write_results(const fs::path& file, const std::string& run_id, const std::vector<double>& values) {
  moat::bench::Manifest m;
  m.run_id = run_id;
  m.started = "2024-01-01T00:00:00.000000Z";
  m.seed = 1;
  m.runtimes["runc"].id = "runc";
  moat::bench::ResultsWriter w(file.string() + "l", m);
  w.declare_metric({"boot", "total", "ms", moat::bench::Direction::lower_is_better, "lifecycle"});
  for (std::size_t i = 0; i < values.size(); ++i)
    w.record_value("runc", "boot", "total", static_cast<int>(i), values[i]);
  w.finish(file);
}

std::string run_id_from(const std::string& err) {
  std::smatch m;
  static const std::regex re(R"(moat bench: run (\S+),)");
  return std::regex_search(err, m, re) ? m[1].str() : std::string();
}

TEST(Cli, BenchWritesResultsAndPrintsTheTable) {
  TempDir out;
  auto r = run_moat({"bench", "--runtimes", "host", "--suite", "cpu", "--repetitions", "2", "--warmup", "1", "--seed",
                     "7", "--out", out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("compute"), std::string::npos) << r.out;
  // Plain progress lines on a non-terminal stderr, one per unit of work.
  EXPECT_NE(r.err.find("[3/3 "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cpu host rep 2: compute"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  auto results = moat::bench::load_results(out.path() / "results.json");
  EXPECT_TRUE(results.complete);
  EXPECT_EQ(results.manifest.seed, 7u);
  EXPECT_EQ(results.manifest.profile, "quick");
  EXPECT_EQ(results.samples.size(), 3u * 2);  // (1 warm-up + 2) x 2 metrics
  EXPECT_TRUE(fs::exists(out.path() / "results.jsonl"));
  // The work directory is gone.
  for (const auto& e : fs::directory_iterator(out.path()))
    EXPECT_NE(e.path().filename().string().rfind("work-", 0), 0u);

  // report: every format.
  const std::string file = (out.path() / "results.json").string();
  auto table = run_moat({"report", file});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("compute"), std::string::npos);
  auto md = run_moat({"report", file, "--format", "md"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| "), std::string::npos);
  auto csv = run_moat({"report", file, "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("run_id,scenario,metric,runtime", 0), 0u) << csv.out.substr(0, 80);
  auto raw = run_moat({"report", file, "--format", "csv", "--samples"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out.rfind("run_id,runtime,scenario,metric", 0), 0u);
  auto js = run_moat({"report", file, "--format", "json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  EXPECT_EQ(json::parse(js.out).value("format", ""), "moat-analysis");
  const fs::path html = out.path() / "report.html";
  auto h = run_moat({"report", file, "--format", "html", "--out", html.string()});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  const std::string page = read_file(html);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("moat-chart"), std::string::npos);
  // The JSONL reads too.
  EXPECT_EQ(run_moat({"report", (out.path() / "results.jsonl").string()}).exit_code, 0);
}

TEST(Cli, ReportExitCodes) {
  TempDir dir;
  EXPECT_EQ(run_moat({"report", (dir.path() / "nope.json").string()}).exit_code, 66);
  std::ofstream(dir.path() / "bad.json") << "{\"format\": \"something-else\"}";
  EXPECT_EQ(run_moat({"report", (dir.path() / "bad.json").string()}).exit_code, 65);
  write_results(dir.path() / "r.json", "th-cli-r", {1, 2, 3});
  EXPECT_EQ(run_moat({"report", (dir.path() / "r.json").string(), "--format", "xml"}).exit_code, 64);
  EXPECT_EQ(run_moat({"report", (dir.path() / "r.json").string(), "--matrix", "m.json"}).exit_code, 64);
}

TEST(Cli, CompareExitsOneOnARegressionBeyondTheThreshold) {
  TempDir dir;
  std::vector<double> base, same, slower;
  for (int i = 0; i < 12; ++i) {
    base.push_back(100 + i);
    same.push_back(100.5 + i);
    slower.push_back(150 + i);
  }
  write_results(dir.path() / "base.json", "th-cli-base", base);
  write_results(dir.path() / "same.json", "th-cli-same", same);
  write_results(dir.path() / "slower.json", "th-cli-slower", slower);
  const std::string b = (dir.path() / "base.json").string();

  auto ok = run_moat({"compare", b, (dir.path() / "same.json").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto bad = run_moat({"compare", b, (dir.path() / "slower.json").string()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("regression"), std::string::npos);
  EXPECT_NE(bad.out.find("total"), std::string::npos);
  // A 45-55% slowdown is within a 60% threshold: significant, but no regression.
  auto lenient = run_moat({"compare", b, (dir.path() / "slower.json").string(), "--threshold", "60"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.out << lenient.err;
  auto js = run_moat({"compare", b, (dir.path() / "slower.json").string(), "--format", "json"});
  EXPECT_EQ(js.exit_code, 1);
  EXPECT_EQ(json::parse(js.out).value("verdict", ""), "regression");
  EXPECT_EQ(run_moat({"compare", b, (dir.path() / "missing.json").string()}).exit_code, 66);
  EXPECT_EQ(run_moat({"compare", b, (dir.path() / "same.json").string(), "--threshold", "-3"}).exit_code, 64);
}

// Runs `moat bench` and sends `signal` once a sandbox of the run exists.
struct Interrupted {
  moat::test::ProcessResult result;
  std::string run_id;
};
Interrupted bench_and_signal(const fs::path& out, int signal, std::vector<std::string> extra) {
  const std::string run_id = unique_run_id();
  std::vector<std::string> args = {"bench", "--runtimes", "runc", "--out", out.string(), "--run-id", run_id};
  args.insert(args.end(), extra.begin(), extra.end());
  moat::test::RunOptions options;
  options.kill_after = std::chrono::seconds(600);
  options.on_started = [signal, run_id](int pid) {
    std::thread([pid, signal, run_id] {
      // Wait until the run has a sandbox in the engine.
      for (int i = 0; i < 3000; ++i) {
        if (!client().list_containers({{moat::kRunIdLabel, run_id}}, true).empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ::kill(pid, signal);
    }).detach();
  };
  Interrupted i;
  i.result = run_moat(args, options);
  i.run_id = run_id_from(i.result.err);
  EXPECT_EQ(i.run_id, run_id);
  return i;
}

TEST(Cli, CtrlCAndSigtermExit130AndLeaveNothing) {
  for (int sig : {SIGINT, SIGTERM}) {
    TempDir out;
    auto i = bench_and_signal(out.path(), sig, {"--suite", "boot", "--repetitions", "200"});
    EXPECT_EQ(i.result.exit_code, 130) << "signal " << sig << ": " << i.result.err;
    ASSERT_FALSE(i.run_id.empty()) << i.result.err;
    moat::core::SandboxService service(registry(), config());
    EXPECT_EQ(moat::harness::leftovers_of_run(service, i.run_id), std::vector<std::string>{});
    auto r = moat::bench::load_results(out.path() / "results.jsonl");
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(r.manifest.run_id, i.run_id);
    EXPECT_FALSE(fs::exists(out.path() / "results.json"));
  }
}

TEST(Cli, AKilledRunIsCleanedByGcRunId) {
  TempDir out;
  auto i = bench_and_signal(out.path(), SIGKILL, {"--suite", "io", "--repetitions", "50"});
  EXPECT_EQ(i.result.signal, SIGKILL) << i.result.err;
  ASSERT_FALSE(i.run_id.empty()) << i.result.err;
  moat::core::SandboxService service(registry(), config());
  EXPECT_FALSE(moat::harness::leftovers_of_run(service, i.run_id).empty())
      << "the kill came too late to leave anything: the test proves nothing";
  auto gc = run_moat({"gc", "--run-id", i.run_id});
  EXPECT_EQ(gc.exit_code, 0) << gc.out << gc.err;
  EXPECT_EQ(moat::harness::leftovers_of_run(service, i.run_id), std::vector<std::string>{});
}

}  // namespace
