#include <moat/bench/report/results_writer.hpp>

#include <moat/bench/report/results_json.hpp>
#include <moat/bench/report/timestamp.hpp>
#include <moat/error.hpp>

#include "file_descriptor.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace moat::bench {

using nlohmann::json;

namespace {

std::string record_line(const char* type, const json& body) {
  json line = json{{"type", type}};
  line.update(body);
  // One record per line: dump() without indentation never emits a newline
  // (strings escape theirs).
  return line.dump() + "\n";
}

}  // namespace

ResultsWriter::ResultsWriter(std::filesystem::path jsonl_path, Manifest manifest, ResultsWriterOptions options)
    : path_(std::move(jsonl_path)), options_(options) {
  if (manifest.run_id.empty()) throw moat::Error(MOAT_E_INVALID, "results manifest: run_id must not be empty");
  if (manifest.started.empty()) manifest.started = now_rfc3339();
  manifest.schema_version = kResultsSchemaVersion;
  manifest.finished.clear();
  for (auto& [id, r] : manifest.runtimes) r.id = id;
  results_.manifest = std::move(manifest);

  // O_APPEND: every record lands at the end even if someone else appends;
  // each record is one write(2), so a crash can only tear the last line.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw moat::Error(MOAT_E_FAILED, "cannot create results file " + path_.string() + ": " + detail::errno_text(errno));
  }
  std::lock_guard lock(mutex_);
  append_line(record_line("manifest", results_.manifest));
}

ResultsWriter::~ResultsWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultsWriter::append_line(const std::string& line) {
  if (finished_) throw moat::Error(MOAT_E_INVALID, "results writer: record after finish()");
  detail::write_all(fd_, line, path_.string());
  if (options_.fsync_each_record) detail::sync_fd(fd_, path_.string());
}

void ResultsWriter::declare_metric(const MetricInfo& metric) {
  if (metric.scenario.empty() || metric.metric.empty() || metric.unit.empty()) {
    throw moat::Error(MOAT_E_INVALID, "declare_metric: scenario, metric and unit must not be empty");
  }
  std::lock_guard lock(mutex_);
  if (const MetricInfo* existing = results_.find_metric(metric.scenario, metric.metric)) {
    if (existing->unit == metric.unit && existing->direction == metric.direction &&
        existing->description == metric.description) {
      return;
    }
    throw moat::Error(MOAT_E_CONFLICT, "metric " + metric.scenario + "/" + metric.metric +
                                           " was already declared with a different unit, direction or description");
  }
  append_line(record_line("metric", metric));
  results_.metrics.push_back(metric);
}

void ResultsWriter::record(Sample sample) {
  if (sample.t.empty()) sample.t = now_rfc3339();
  std::lock_guard lock(mutex_);
  validate_sample(results_, sample);
  append_line(record_line("sample", sample));
  results_.samples.push_back(std::move(sample));
}

namespace {

Sample make_sample(const Results& r, const std::string& runtime, const std::string& scenario, const std::string& metric,
                   int repetition, bool warmup) {
  Sample s;
  s.runtime = runtime;
  s.scenario = scenario;
  s.metric = metric;
  if (const MetricInfo* m = r.find_metric(scenario, metric)) s.unit = m->unit;
  s.repetition = repetition;
  s.warmup = warmup;
  return s;
}

}  // namespace

void ResultsWriter::record_value(const std::string& runtime, const std::string& scenario, const std::string& metric,
                                 int repetition, double value, bool warmup) {
  Sample s;
  {
    std::lock_guard lock(mutex_);
    s = make_sample(results_, runtime, scenario, metric, repetition, warmup);
  }
  s.value = value;
  record(std::move(s));
}

void ResultsWriter::record_failure(const std::string& runtime, const std::string& scenario, const std::string& metric,
                                   int repetition, std::string error, bool warmup) {
  Sample s;
  {
    std::lock_guard lock(mutex_);
    s = make_sample(results_, runtime, scenario, metric, repetition, warmup);
  }
  s.ok = false;
  s.error = std::move(error);
  record(std::move(s));
}

void ResultsWriter::record_unsupported(const Unsupported& u) {
  if (u.runtime.empty() || u.scenario.empty() || u.reason.empty()) {
    throw moat::Error(MOAT_E_INVALID, "record_unsupported: runtime, scenario and reason must not be empty");
  }
  std::lock_guard lock(mutex_);
  if (results_.manifest.runtimes.find(u.runtime) == results_.manifest.runtimes.end()) {
    throw moat::Error(MOAT_E_INVALID, "record_unsupported: runtime \"" + u.runtime + "\" is not in the manifest");
  }
  append_line(record_line("unsupported", u));
  results_.unsupported.push_back(u);
}

Results ResultsWriter::finish(const std::filesystem::path& final_json_path, std::string finished) {
  std::lock_guard lock(mutex_);
  if (finished.empty()) finished = now_rfc3339();
  append_line(record_line("end", json{{"finished", finished}}));
  // The end record is the JSONL's commit point: make it durable even without
  // per-record fsync, since the final document is about to be renamed in.
  detail::sync_fd(fd_, path_.string());
  finished_ = true;
  results_.manifest.finished = std::move(finished);
  results_.complete = true;
  save_results(results_, final_json_path);
  return results_;
}

Results ResultsWriter::snapshot() const {
  std::lock_guard lock(mutex_);
  return results_;
}

void save_results(const Results& results, const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path tmp = dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  {
    detail::FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      throw moat::Error(MOAT_E_FAILED, "cannot create " + tmp.string() + ": " + detail::errno_text(errno));
    }
    try {
      detail::write_all(fd.get(), results_to_json(results).dump(2) + "\n", tmp.string());
      detail::sync_fd(fd.get(), tmp.string());
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw moat::Error(MOAT_E_FAILED,
                      "cannot rename " + tmp.string() + " to " + path.string() + ": " + detail::errno_text(err));
  }
  // The rename itself is only durable once the directory entry is.
  detail::FileDescriptor dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
}

}  // namespace moat::bench
