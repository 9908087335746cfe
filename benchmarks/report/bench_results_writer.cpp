// Cost of recording one sample with ResultsWriter, with and without fsync,
// on the filesystem of the directory given by MOAT_BENCH_DIR (default: the
// current directory, which is where `moat bench --out` usually writes).
//   ./bench_results_writer --benchmark_min_time=2
#include <moat/bench/report/results_writer.hpp>

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>

namespace {

moat::bench::Manifest manifest() {
  moat::bench::Manifest m;
  m.run_id = "bench-writer";
  m.runtimes["runc"] = moat::bench::RuntimeInfo{"runc", "1.1", "runc", {}, nlohmann::json::object()};
  return m;
}

std::filesystem::path dir() {
  const char* d = std::getenv("MOAT_BENCH_DIR");
  return d ? std::filesystem::path(d) : std::filesystem::current_path();
}

void record_sample(benchmark::State& state) {
  const bool fsync = state.range(0) != 0;
  const auto path = dir() / (".bench-writer-" + std::to_string(::getpid()) + ".jsonl");
  {
    moat::bench::ResultsWriter w(path, manifest(), {.fsync_each_record = fsync});
    w.declare_metric({"boot", "start", "ms", moat::bench::Direction::lower_is_better, ""});
    int rep = 0;
    for (auto _ : state) {
      w.record_value("runc", "boot", "start", rep++, 281.25);
    }
  }
  std::filesystem::remove(path);
  state.SetLabel(fsync ? "fsync each record" : "write(2) only");
}
BENCHMARK(record_sample)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
