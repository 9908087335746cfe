// The seed's tables as data (benchmarks/data/seed-matrix.json, installed to
// share/moat): every cell of its "Requirements Matrix" and "Performance
// Comparison", with its column names mapped to moat runtime ids. `moat matrix`
// compares each measured cell with it.
//
// Next to it, documented-cells.json: for the seed's columns moat has no
// plugin for, what upstream documents row by row, each cell with its source.
// Those cells stand in for "no moat plugin" and are never taken for measurements.
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

// One requirement as upstream documents it, for a column moat cannot measure.
struct DocumentedCell {
  Verdict verdict = Verdict::unavailable;  // yes, partial or no
  Documented documented;
};

struct DocumentedColumn {
  Documented summary;  // what the technology is, as moat would run it, and why it is not measured
  std::map<std::string, DocumentedCell> cells;  // by measured row id
};

struct SeedData {
  std::string source;
  std::vector<SeedColumn> columns;  // the requirements matrix's columns, in the seed's order
  std::vector<SeedRequirementRow> requirements;
  std::vector<SeedColumn> performance_columns;
  std::vector<SeedPerformanceRow> performance;
  std::map<std::string, DocumentedColumn> documented;  // by runtime id: documented-cells.json

  [[nodiscard]] const SeedColumn* column(const std::string& runtime) const;
  [[nodiscard]] const DocumentedColumn* documented_column(const std::string& runtime) const;
  [[nodiscard]] const SeedRequirementRow* requirement_row(const std::string& matrix_row) const;
  [[nodiscard]] const SeedPerformanceRow* performance_row(const std::string& matrix_row) const;
};

// Throws moat::Error(MOAT_E_INVALID) naming the offending field.
SeedData parse_seed(const nlohmann::json& j);
// Fills seed.documented. Each column must be one of the seed's columns without
// a plugin, each row a measured row, each verdict yes, partial or no, and each
// cell needs its text and at least one source that names a place (see
// DocumentedCell). Throws moat::Error(MOAT_E_INVALID) naming the offending field.
void parse_documented(const nlohmann::json& j, SeedData& seed);
// The seed file and documented-cells.json in the same directory.
// Throws moat::Error: not-found (either file missing), invalid (not JSON, wrong shape).
SeedData load_seed(const std::filesystem::path& file);
// The documented cells' file that goes with a seed file.
std::filesystem::path documented_file_for(const std::filesystem::path& seed_file);

// Where the seed file is looked for: <exe_dir>/../share/moat/seed-matrix.json
// (installed and build tree layouts), then the source tree's copy.
std::vector<std::filesystem::path> seed_search_paths(const std::filesystem::path& exe_dir);

}  // namespace moat::matrix
