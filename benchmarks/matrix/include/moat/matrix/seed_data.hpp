// The seed's tables as data (benchmarks/data/seed-matrix.json, installed to
// share/moat): every cell of its "Requirements Matrix" and "Performance
// Comparison", with its column names mapped to moat runtime ids. `moat matrix`
// compares each measured cell with it.
#pragma once

#include <moat/matrix/model.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::matrix {

struct SeedColumn {
  std::string runtime;     // moat runtime id, or the technology's own id when moat has no plugin
  std::string seed_name;   // the header as the seed writes it ("Fire")
  std::string technology;  // "Firecracker"
  bool plugin = false;     // moat ships a plugin for it
};

struct SeedMark {
  std::string mark;  // as written: "✅", "⚠️", "❌"
  Verdict verdict = Verdict::unavailable;
};

struct SeedRequirementRow {
  std::string feature;                    // "Docker-in-Docker"
  std::string matrix_row;                 // the matrix row it is compared with
  std::map<std::string, SeedMark> cells;  // by runtime id
};

struct SeedFigure {
  std::string text;  // as written: "2-5s"
  std::string mark;  // "✅" when the seed marked it
  std::optional<double> min;
  std::optional<double> max;
};

struct SeedPerformanceRow {
  std::string metric;      // "Boot Time"
  std::string matrix_row;  // "boot-time", or empty when no matrix row measures it
  std::string unit;
  std::map<std::string, SeedFigure> cells;  // by runtime id
};

struct SeedData {
  std::string source;
  std::vector<SeedColumn> columns;  // the requirements matrix's columns, in the seed's order
  std::vector<SeedRequirementRow> requirements;
  std::vector<SeedColumn> performance_columns;
  std::vector<SeedPerformanceRow> performance;

  [[nodiscard]] const SeedColumn* column(const std::string& runtime) const;
  [[nodiscard]] const SeedRequirementRow* requirement_row(const std::string& matrix_row) const;
  [[nodiscard]] const SeedPerformanceRow* performance_row(const std::string& matrix_row) const;
};

// Throws moat::Error(MOAT_E_INVALID) naming the offending field.
SeedData parse_seed(const nlohmann::json& j);
// Throws moat::Error: not-found (no such file), invalid (not JSON, wrong shape).
SeedData load_seed(const std::filesystem::path& file);

// Where the seed file is looked for: <exe_dir>/../share/moat/seed-matrix.json
// (installed and build tree layouts), then the source tree's copy.
std::vector<std::filesystem::path> seed_search_paths(const std::filesystem::path& exe_dir);

}  // namespace moat::matrix
