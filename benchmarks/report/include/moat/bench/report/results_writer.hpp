// Writes a run's results as they happen: one JSON line per record, appended
// with a single write(2) and flushed to the kernel before record() returns, so
// a crash of moat (or of the machine, with fsync on) loses at most the sample
// being written. finish() adds the final JSON document next to it.
#pragma once

#include <moat/bench/report/results.hpp>

#include <filesystem>
#include <mutex>
#include <string>

namespace moat::bench {

struct ResultsWriterOptions {
  // fsync(2) after every record: survives power loss, costs a disk flush per
  // sample (see benchmarks/report/bench_results_writer.cpp for the figures).
  bool fsync_each_record = false;
};

// Thread-safe: scenarios that measure concurrently (density) may record from
// several threads. Not copyable; owns the file descriptor.
class ResultsWriter {
 public:
  // Creates (or truncates) `jsonl_path` and writes the manifest record.
  // Throws moat::Error (failed) when the file cannot be written.
  ResultsWriter(std::filesystem::path jsonl_path, Manifest manifest, ResultsWriterOptions options = {});
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Declares a metric before its first sample. Declaring the same metric
  // again with identical fields is a no-op; with different fields it throws
  // moat::Error (conflict).
  void declare_metric(const MetricInfo& metric);

  // Appends one sample. Fills Sample::t with the current time when empty.
  // Throws moat::Error (invalid) when the sample names an undeclared metric,
  // an unknown runtime, a different unit, an ok sample without a finite value
  // or a failed sample without an error.
  void record(Sample sample);

  // Shorthands that take the unit from the declared metric:
  //   w.record_value("runc", "boot", "start", rep, 281.4);
  //   w.record_failure("gvisor", "boot", "ready", rep, "timed out after 30 s");
  void record_value(const std::string& runtime, const std::string& scenario, const std::string& metric, int repetition,
                    double value, bool warmup = false);
  void record_failure(const std::string& runtime, const std::string& scenario, const std::string& metric,
                      int repetition, std::string error, bool warmup = false);

  // Records that `runtime` cannot run `scenario` (or one metric of it).
  void record_unsupported(const Unsupported& unsupported);

  // Appends the end record to the JSONL, then writes the final document to
  // `final_json_path` atomically (temporary file, fsync, rename). Returns the
  // complete results. No record() after finish().
  Results finish(const std::filesystem::path& final_json_path, std::string finished = {});

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // The results recorded so far (a copy, taken under the lock).
  [[nodiscard]] Results snapshot() const;

 private:
  void append_line(const std::string& line);  // caller holds mutex_

  std::filesystem::path path_;
  ResultsWriterOptions options_;
  int fd_ = -1;
  bool finished_ = false;
  Results results_;
  mutable std::mutex mutex_;
};

// Writes the final document atomically (temporary file in the same
// directory, fsync, rename, fsync of the directory).
void save_results(const Results& results, const std::filesystem::path& path);

}  // namespace moat::bench
