// The requirements matrix as `moat matrix` measures it: columns (runtimes as
// they would be deployed), rows (requirements), and one cell per pair with a
// verdict and the evidence behind it (what was run and what it said).
//
// The verdict type is the report library's, so the JSON this produces is the
// shape the HTML report's matrix section reads (moat/bench/report/matrix_view.hpp).
#pragma once

#include <moat/bench/report/matrix_view.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::matrix {

using Verdict = moat::bench::Verdict;

// One thing a probe did: a sandbox API call, a command inside a sandbox, or
// a look at the host. Kept in the order it happened, as the cell's evidence.
struct Step {
  std::string kind;               // create, start, stop, remove, exec, connect, disconnect, engine, host
  std::string what;               // one readable line: "exec in mx-...: sh -c 'docker info'"
  std::vector<std::string> argv;  // for exec and host commands
  std::optional<int> exit_code;
  std::string out;    // stdout (capped)
  std::string err;    // stderr (capped)
  std::string error;  // the exception text when the call threw
  double ms = 0;
  bool ok = true;
};

// What upstream documents for a requirement moat cannot measure, and where it says so.
struct Documented {
  std::string text;                  // one line
  std::vector<std::string> sources;  // https://… URL, owner/repo#issue or owner/repo:path
};

struct Cell {
  Verdict verdict = Verdict::unavailable;
  std::string summary;  // one line: why this verdict (the evidence line)
  std::vector<Step> steps;
  nlohmann::json facts = nlohmann::json::object();  // what was found, parsed
  std::optional<double> value_ms;                   // the boot-time row's figure
  double duration_ms = 0;                           // how long the probe took
  bool declared = false;                            // carried from the seed's data, not measured
  // Read from upstream, not measured (a seed column moat has no plugin for):
  // never a pass in the recommendation, never a disagreement with the seed.
  std::optional<Documented> documented;

  // Filled by the seed comparison.
  std::optional<Verdict> seed;  // the seed's verdict for this cell, when it has one
  std::string seed_text;        // the seed's cell as written ("✅", "2-5s")
  std::string note;             // "seed says ✅, measured ❌ ..." when they disagree
};

// Which sandboxes of a column get the runtime's Docker-in-Docker mode (spec.dind).
enum class DindPolicy {
  docker_checks,  // only the probes about Docker inside (the runtime's normal way to run Docker)
  never,          // never: Docker inside is tried by hand, without the mode
  always,         // every sandbox: the column is the runtime as deployed in its DinD mode
};

struct Column {
  std::string id;       // "runc", "runc+dind", "firecracker"
  std::string runtime;  // the plugin id ("runc" for "runc+dind"); the id itself for seed-only columns
  DindPolicy dind = DindPolicy::docker_checks;
  bool has_plugin = true;
  std::string seed_name;   // the seed's column header ("Sysbox"), when the seed has this column
  std::string technology;  // "Docker + Sysbox"
  std::string description;
  std::optional<Documented> documented;  // no plugin: what the technology is, as upstream documents it

  bool available = false;
  std::string reason;  // why unavailable
  std::string version;
  std::string engine_runtime;
  nlohmann::json probe_details = nlohmann::json::object();  // the plugin's probe() details
};

struct Requirement {
  std::string id;     // "docker-in-docker"
  std::string label;  // "Docker-in-Docker"
  bool declared = false;
  std::string description;
};

struct Row {
  Requirement requirement;
  std::map<std::string, Cell> cells;  // by column id; absent = nothing to say (declared rows)
};

struct Disagreement {
  std::string row;
  std::string column;
  std::string seed_text;
  std::optional<Verdict> seed;
  Verdict measured = Verdict::unavailable;
  std::string note;
  std::string evidence;  // the measured cell's summary
};

struct Ranked {
  std::string column;
  std::optional<double> boot_ms;
  std::string boot_source;                           // "live: median of 5" or "results: ..."
  nlohmann::json figures = nlohmann::json::array();  // the harness's figures, when a results file was given
};

struct RuledOut {
  struct Failure {
    std::string requirement;
    Verdict verdict = Verdict::unavailable;
    std::string evidence;
  };
  std::string column;
  std::vector<Failure> failures;
};

struct Recommendation {
  std::vector<std::string> required;
  std::vector<Ranked> ranked;  // meet every requirement, best first
  std::vector<RuledOut> ruled_out;
  std::string text;
};

struct MatrixReport {
  std::string run_id;
  std::string started;   // RFC 3339 UTC
  std::string finished;  // RFC 3339 UTC
  double duration_s = 0;
  nlohmann::json host = nlohmann::json::object();     // host facts (kernel, cgroups, KVM, engine)
  nlohmann::json options = nlohmann::json::object();  // what was asked
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::vector<Disagreement> disagreements;
  Recommendation recommendation;
  std::string seed_source;
  nlohmann::json cleanup = nlohmann::json::object();  // what the final sweep found and removed
  std::vector<std::string> warnings;
  bool interrupted = false;  // stopped early (Ctrl-C): cells not probed say so

  [[nodiscard]] const Row* row(const std::string& id) const;
  [[nodiscard]] const Column* column(const std::string& id) const;
  [[nodiscard]] const Cell* cell(const std::string& row, const std::string& column) const;
};

// "✅", "⚠️", "❌", or "n/a" (unavailable).
std::string text_icon(Verdict v);
// The seed's marks: "✅" -> yes, "⚠️" -> partial, "❌" -> no; nullopt otherwise.
std::optional<Verdict> verdict_from_mark(const std::string& mark);

// A link for a source reference: https://… as is, owner/repo#N and
// owner/repo:path as GitHub URLs; empty when the reference names no place.
std::string source_url(const std::string& source);
// "<source>; <source>".
std::string sources_text(const Documented& d);
// "documented upstream, not measured: <text> (<sources_text>)".
std::string documented_summary(const Documented& d);
nlohmann::json to_json(const Documented& d);

nlohmann::json to_json(const Step& s);
nlohmann::json to_json(const Cell& c);

}  // namespace moat::matrix
