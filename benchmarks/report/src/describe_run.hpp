// Short human descriptions of a run, shared by the text writers (internal):
// what was measured where, and how the statistics were computed.
#pragma once

#include <moat/bench/report/analysis.hpp>

#include <string>
#include <vector>

namespace moat::bench::detail {

// "run 2024-…-ab12 · profile quick · 2024-05-01T… → 2024-05-01T…"
std::string run_line(const Analysis& a);
// "host: name · Linux 6.1.0 · Intel(R) … · 2 cores · 23.4 GiB · workdir /var/lib/moat (ext4)"
std::string host_line(const Manifest& m);
// "engine: docker 20.10.24 (API 1.41)"
std::string engine_line(const Manifest& m);
// One line per runtime: "runc 1.1.5 (engine runtime runc, args: …)"
std::vector<std::string> runtime_lines(const Manifest& m);
// "n = 20 measured runs per cell (3 warm-ups excluded); median and p95 (type-7 quantiles); …"
std::vector<std::string> method_lines(const Analysis& a);
// "2/20 (10%)" or "0"
std::string errors_text(const MetricSummary& s);
// "noisy", "2 outliers", joined by ", "
std::string flags_text(const MetricSummary& s);
// The ratio column: "baseline", "1.47x [1.38, 1.56]" or "—" with the reason in notes.
std::string ratio_cell(const MetricSummary& s);
std::string gib(std::uint64_t bytes);

}  // namespace moat::bench::detail
