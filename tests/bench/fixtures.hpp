// Deterministic synthetic results for the report and compare tests.
#pragma once

#include <moat/bench/report/results.hpp>
#include <moat/bench/stats/random.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace moat::bench::testing {

// Standard normal draws from the portable Rng (Box-Muller), so fixtures are
// identical on every platform.
double normal(stats::Rng& rng);
std::vector<double> lognormal_sample(stats::Rng& rng, std::size_t n, double median, double sigma);

Manifest test_manifest(const std::string& run_id = "run-test-0001");

// Three runtimes (runc, gvisor, host); scenarios boot (create/start/ready/
// exec/stop/remove/total, ms), io (seqread-1m.rootfs.bw, MiB/s, higher is
// better), cpu (compute, s); gvisor boot start has two failures, cpu on gvisor
// is noisy (CoV ~ 25%), gvisor build is unsupported. `scale` multiplies
// gvisor's boot times (compare tests use it for synthetic regressions).
Results synthetic_results(std::uint64_t seed, double gvisor_boot_scale = 1.0, int measured = 15, int warmup = 2);

// A requirements matrix in the shape `moat matrix -o json` emits.
nlohmann::json sample_matrix();

// A fresh directory removed (recursively) at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p);

}  // namespace moat::bench::testing
