// The results files: JSONL written as samples complete (a crash loses
// nothing), the final JSON document, and the reader for both.
#include <moat/bench/report/results_json.hpp>
#include <moat/bench/report/results_reader.hpp>
#include <moat/bench/report/results_writer.hpp>
#include <moat/bench/report/timestamp.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <fstream>
#include <regex>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace moat::bench;
using moat::bench::testing::read_file;
using moat::bench::testing::synthetic_results;
using moat::bench::testing::TempDir;

namespace {

void expect_same_samples(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("sample " + std::to_string(i));
    EXPECT_EQ(a[i].runtime, b[i].runtime);
    EXPECT_EQ(a[i].scenario, b[i].scenario);
    EXPECT_EQ(a[i].metric, b[i].metric);
    EXPECT_EQ(a[i].unit, b[i].unit);
    EXPECT_EQ(a[i].repetition, b[i].repetition);
    EXPECT_EQ(a[i].warmup, b[i].warmup);
    EXPECT_EQ(a[i].value, b[i].value);  // exact: JSON numbers round-trip doubles
    EXPECT_EQ(a[i].ok, b[i].ok);
    EXPECT_EQ(a[i].error, b[i].error);
    EXPECT_EQ(a[i].t, b[i].t);
  }
}

// Writes `r` through a ResultsWriter; returns the writer's final results.
Results write_all(const Results& r, const std::filesystem::path& jsonl, const std::filesystem::path* final_json,
                  std::size_t max_samples = SIZE_MAX) {
  ResultsWriter w(jsonl, r.manifest);
  for (const MetricInfo& m : r.metrics) w.declare_metric(m);
  for (std::size_t i = 0; i < r.samples.size() && i < max_samples; ++i) w.record(r.samples[i]);
  for (const Unsupported& u : r.unsupported) w.record_unsupported(u);
  if (final_json) return w.finish(*final_json, r.manifest.finished);
  return w.snapshot();
}

}  // namespace

TEST(ResultsFiles, FinalJsonRoundTrip) {
  TempDir dir;
  const Results src = synthetic_results(11);
  const auto final_json = dir.path() / "results.json";
  const Results written = write_all(src, dir.path() / "results.jsonl", &final_json);
  EXPECT_TRUE(written.complete);

  const Results back = load_results(final_json);
  EXPECT_TRUE(back.complete);
  EXPECT_TRUE(back.warnings.empty());
  EXPECT_EQ(back.manifest.run_id, src.manifest.run_id);
  EXPECT_EQ(back.manifest.seed, src.manifest.seed);
  EXPECT_EQ(back.manifest.profile, "quick");
  EXPECT_EQ(back.manifest.finished, src.manifest.finished);
  EXPECT_EQ(back.manifest.schema_version, kResultsSchemaVersion);
  EXPECT_EQ(back.manifest.host.kernel, src.manifest.host.kernel);
  EXPECT_EQ(back.manifest.host.memory_bytes, src.manifest.host.memory_bytes);
  EXPECT_EQ(back.manifest.host.workdir_filesystem, "ext4");
  EXPECT_EQ(back.manifest.host.extra, src.manifest.host.extra);
  EXPECT_EQ(back.manifest.engine.api, "1.41");
  ASSERT_EQ(back.manifest.runtimes.size(), 3u);
  EXPECT_EQ(back.manifest.runtimes.at("gvisor").args, std::vector<std::string>{"--network=none"});
  EXPECT_EQ(back.manifest.runtimes.at("gvisor").engine_runtime, "runsc-nonet");
  EXPECT_EQ(back.manifest.runtimes.at("gvisor").extra, src.manifest.runtimes.at("gvisor").extra);
  EXPECT_EQ(back.manifest.images, src.manifest.images);
  EXPECT_EQ(back.manifest.parameters, src.manifest.parameters);
  ASSERT_EQ(back.metrics.size(), src.metrics.size());
  for (std::size_t i = 0; i < src.metrics.size(); ++i) {
    EXPECT_EQ(back.metrics[i].metric, src.metrics[i].metric);
    EXPECT_EQ(back.metrics[i].direction, src.metrics[i].direction);
    EXPECT_EQ(back.metrics[i].description, src.metrics[i].description);
  }
  expect_same_samples(back.samples, src.samples);
  ASSERT_EQ(back.unsupported.size(), 1u);
  EXPECT_EQ(back.unsupported[0].reason, src.unsupported[0].reason);

  // The JSONL of a finished run reads back the same, and complete.
  const Results from_jsonl = load_results(dir.path() / "results.jsonl");
  EXPECT_TRUE(from_jsonl.complete);
  EXPECT_EQ(from_jsonl.manifest.finished, src.manifest.finished);
  expect_same_samples(from_jsonl.samples, src.samples);

  // And the document itself is what results_to_json says.
  EXPECT_EQ(nlohmann::json::parse(read_file(final_json)), results_to_json(written));
}

TEST(ResultsFiles, CrashLosesNothing) {
  TempDir dir;
  const auto jsonl = dir.path() / "crash.jsonl";
  const Results src = synthetic_results(12);
  const std::size_t n = 57;

  // A real crash: the child records n samples and is killed by SIGKILL
  // without finish() or destructors running.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      ResultsWriter w(jsonl, src.manifest);
      for (const MetricInfo& m : src.metrics) w.declare_metric(m);
      for (std::size_t i = 0; i < n; ++i) w.record(src.samples[i]);
      ::raise(SIGKILL);
    } catch (...) {
    }
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child should have died by SIGKILL, exit code " << WEXITSTATUS(status);

  const Results r = load_results(jsonl);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.manifest.finished.empty());
  ASSERT_EQ(r.samples.size(), n);
  expect_same_samples(r.samples, std::vector<Sample>(src.samples.begin(), src.samples.begin() + n));
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("did not finish"), std::string::npos);

  // A record torn mid-write (no newline, invalid JSON) is dropped with a warning.
  {
    std::ofstream out(jsonl, std::ios::app);
    out << R"({"type":"sample","runtime":"runc","scenario":"bo)";
  }
  const Results torn = load_results(jsonl);
  EXPECT_EQ(torn.samples.size(), n);
  EXPECT_NE(torn.warnings.front().find("incomplete last record"), std::string::npos);
}

TEST(ResultsFiles, CorruptionInTheMiddleIsAnError) {
  TempDir dir;
  const auto jsonl = dir.path() / "r.jsonl";
  write_all(synthetic_results(13), jsonl, nullptr, 10);
  std::string text = read_file(jsonl);
  const auto second_line = text.find('\n') + 1;
  text.insert(second_line, "{not json\n");
  std::ofstream(jsonl, std::ios::trunc) << text;
  try {
    load_results(jsonl);
    FAIL() << "expected moat::Error";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

TEST(ResultsFiles, ReaderErrorsAreClear) {
  TempDir dir;
  try {
    load_results(dir.path() / "missing.json");
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  }
  nlohmann::json doc = results_to_json(synthetic_results(1));
  doc["manifest"]["schema_version"] = 99;
  std::ofstream(dir.path() / "future.json") << doc.dump();
  try {
    load_results(dir.path() / "future.json");
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version"), std::string::npos) << e.what();
  }
  nlohmann::json bad_sample = results_to_json(synthetic_results(1));
  bad_sample["samples"][3]["metric"] = "no-such-metric";
  std::ofstream(dir.path() / "bad.json") << bad_sample.dump();
  try {
    load_results(dir.path() / "bad.json");
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_NE(std::string(e.what()).find("samples[3]"), std::string::npos) << e.what();
  }
  std::ofstream(dir.path() / "other.json") << R"({"hello": "world"})";
  EXPECT_THROW(load_results(dir.path() / "other.json"), moat::Error);
  std::ofstream(dir.path() / "empty.jsonl") << "";
  EXPECT_THROW(load_results(dir.path() / "empty.jsonl"), moat::Error);
}

TEST(ResultsWriter, ValidatesWhatIsRecorded) {
  TempDir dir;
  const Results src = synthetic_results(1);
  ResultsWriter w(dir.path() / "v.jsonl", src.manifest);
  w.declare_metric(src.metrics[0]);  // boot/create, ms
  w.declare_metric(src.metrics[0]);  // identical: no-op
  MetricInfo changed = src.metrics[0];
  changed.unit = "s";
  try {
    w.declare_metric(changed);
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
  }
  EXPECT_THROW(w.record_value("runc", "boot", "undeclared", 0, 1.0), moat::Error);
  EXPECT_THROW(w.record_value("kata", "boot", "create", 0, 1.0), moat::Error);
  EXPECT_THROW(w.record(Sample{"runc", "boot", "create", "s", 0, false, 1.0, true, "", ""}), moat::Error);
  EXPECT_THROW(w.record(Sample{"runc", "boot", "create", "ms", 0, false, std::nullopt, true, "", ""}), moat::Error);
  EXPECT_THROW(w.record(Sample{"runc", "boot", "create", "ms", 0, false, std::nullopt, false, "", ""}), moat::Error);
  EXPECT_THROW(w.record_value("runc", "boot", "create", 0, std::nan("")), moat::Error);
  EXPECT_THROW(w.record_unsupported({"kata", "build", "", "no"}), moat::Error);
  w.record_value("runc", "boot", "create", 0, 16.5);
  w.record_failure("runc", "boot", "create", 1, "engine returned 500");
  const Results done = w.finish(dir.path() / "v.json");
  EXPECT_THROW(w.record_value("runc", "boot", "create", 2, 1.0), moat::Error);
  ASSERT_EQ(done.samples.size(), 2u);
  EXPECT_EQ(done.samples[0].unit, "ms");
  EXPECT_FALSE(done.samples[1].ok);
  EXPECT_EQ(done.samples[1].error, "engine returned 500");
  EXPECT_TRUE(std::regex_match(done.samples[0].t, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << done.samples[0].t;
  const Results back = load_results(dir.path() / "v.json");
  EXPECT_FALSE(back.samples[1].value.has_value());
}

TEST(ResultsWriter, ConcurrentRecordsAreWholeLines) {
  TempDir dir;
  const Results src = synthetic_results(1);
  {
    ResultsWriter w(dir.path() / "c.jsonl", src.manifest, {.fsync_each_record = false});
    w.declare_metric({"density", "ready", "ms", Direction::lower_is_better, ""});
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&w, t] {
        for (int i = 0; i < 100; ++i) w.record_value("runc", "density", "ready", t * 100 + i, 100.0 + i);
      });
    }
    for (auto& th : threads) th.join();
  }
  const Results r = load_results(dir.path() / "c.jsonl");
  EXPECT_EQ(r.samples.size(), 400u);
  EXPECT_TRUE(r.warnings.size() == 1u) << "only the did-not-finish warning expected";
}

TEST(ResultsWriter, FsyncModeWritesTheSame) {
  TempDir dir;
  const Results src = synthetic_results(2);
  const auto final_json = dir.path() / "f.json";
  ResultsWriter w(dir.path() / "f.jsonl", src.manifest, {.fsync_each_record = true});
  for (const MetricInfo& m : src.metrics) w.declare_metric(m);
  for (std::size_t i = 0; i < 20; ++i) w.record(src.samples[i]);
  w.finish(final_json);
  EXPECT_EQ(load_results(final_json).samples.size(), 20u);
  // The temporary file of the atomic save is gone.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);
}

TEST(Timestamp, Rfc3339Utc) {
  using namespace std::chrono;
  const auto tp = system_clock::time_point(seconds(1714557600) + microseconds(123456));
  EXPECT_EQ(format_rfc3339(tp), "2024-05-01T10:00:00.123456Z");
}
