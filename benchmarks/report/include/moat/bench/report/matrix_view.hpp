// The requirements matrix (`moat matrix -o json`) as the HTML report reads
// it: rows = requirements, columns = runtimes, cells = verdict + evidence.
// The accepted JSON shape is documented in docs/results-schema.md
// ("Matrix section").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::bench {

enum class Verdict { yes, no, partial, unavailable };
std::string_view to_string(Verdict v) noexcept;
// Throws moat::Error (invalid) on anything but yes|no|partial|unavailable.
Verdict parse_verdict(std::string_view s);
// ✅ ⚠️ ❌, and `unavailable` for a verdict that could not be measured.
std::string_view verdict_icon(Verdict v, std::string_view unavailable = "➖") noexcept;

struct MatrixSource {
  std::string ref;  // as written: "owner/repo#123"
  std::string url;  // empty when it has none
};

struct MatrixCell {
  Verdict verdict = Verdict::unavailable;
  nlohmann::json evidence;      // string, or any JSON (commands run and their output)
  std::optional<Verdict> seed;  // what the seed's table said, when known
  std::string note;
  // Read from upstream, not measured: what it says (empty = measured) and where.
  std::string documented;
  std::vector<MatrixSource> sources;
};

struct MatrixRow {
  std::string id;                           // "docker-in-docker"
  std::string label;                        // "Docker-in-Docker"
  bool declared = false;                    // carried from the seed's data, not measured
  std::map<std::string, MatrixCell> cells;  // by runtime id; a missing cell = not probed
};

struct MatrixRuntime {
  std::string id;
  bool available = true;
  std::string reason;  // why unavailable
};

struct MatrixView {
  std::string title;
  std::vector<MatrixRuntime> runtimes;  // column order
  std::vector<MatrixRow> rows;
  std::string recommendation;
};

// Throws moat::Error (invalid) naming the offending path when the shape is wrong.
MatrixView parse_matrix(const nlohmann::json& j);

}  // namespace moat::bench
