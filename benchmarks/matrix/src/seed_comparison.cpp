#include <moat/matrix/seed_comparison.hpp>

#include <moat/matrix/requirements.hpp>

#include <cstdio>

namespace moat::matrix {

namespace {

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 1000 ? "%.0f ms" : "%.2f s", ms < 1000 ? ms : ms / 1000);
  return buf;
}

}  // namespace

void fill_declared_rows(const SeedData& seed, const std::vector<Column>& columns, std::vector<Row>& rows) {
  for (Row& row : rows) {
    if (!row.requirement.declared) continue;
    const SeedRequirementRow* sr = seed.requirement_row(row.requirement.id);
    if (sr == nullptr) continue;
    for (const Column& c : columns) {
      auto it = sr->cells.find(c.runtime);
      // A DinD variant is its runtime deployed differently: the seed did not speak of it.
      if (it == sr->cells.end() || c.dind == DindPolicy::always) continue;
      Cell cell;
      cell.declared = true;
      cell.verdict = it->second.verdict;
      cell.seed = it->second.verdict;
      cell.seed_text = it->second.mark;
      cell.summary = "declared by the seed (\"" + sr->feature + "\": " + it->second.mark + "), not measured";
      row.cells[c.id] = std::move(cell);
    }
  }
}

void fill_documented_cells(const SeedData& seed, const std::vector<Column>& columns, std::vector<Row>& rows) {
  for (const Column& c : columns) {
    const DocumentedColumn* dc = seed.documented_column(c.runtime);
    // A loaded plugin measures; documentation must never stand in for it.
    if (dc == nullptr || c.has_plugin) continue;
    for (Row& row : rows) {
      auto it = dc->cells.find(row.requirement.id);
      if (it == dc->cells.end()) continue;
      Cell& cell = row.cells[c.id];
      // What this host showed (e.g. no /dev/kvm) outranks what upstream says.
      if (cell.verdict != Verdict::unavailable) continue;
      cell.verdict = it->second.verdict;
      cell.documented = it->second.documented;
      cell.summary = documented_summary(it->second.documented);
    }
  }
}

std::vector<Disagreement> compare_with_seed(const SeedData& seed, const std::vector<Column>& columns,
                                            std::vector<Row>& rows) {
  std::vector<Disagreement> out;
  for (Row& row : rows) {
    if (row.requirement.declared) continue;
    const SeedRequirementRow* sr = seed.requirement_row(row.requirement.id);
    const SeedPerformanceRow* pr = seed.performance_row(row.requirement.id);
    if (sr == nullptr && pr == nullptr) continue;
    for (const Column& c : columns) {
      if (c.dind == DindPolicy::always) continue;
      auto cell_it = row.cells.find(c.id);
      if (cell_it == row.cells.end()) continue;
      Cell& cell = cell_it->second;
      if (sr != nullptr) {
        auto it = sr->cells.find(c.runtime);
        if (it == sr->cells.end()) continue;
        cell.seed = it->second.verdict;
        cell.seed_text = it->second.mark;
        if (cell.verdict == Verdict::unavailable || cell.documented || cell.verdict == it->second.verdict) continue;
        cell.note = "seed says " + it->second.mark + ", measured " + text_icon(cell.verdict);
        out.push_back(
            {row.requirement.id, c.id, it->second.mark, it->second.verdict, cell.verdict, cell.note, cell.summary});
      } else {
        auto it = pr->cells.find(c.runtime);
        if (it == pr->cells.end()) continue;
        const SeedFigure& f = it->second;
        cell.seed_text = f.text + (f.mark.empty() ? "" : " " + f.mark);
        if (!f.mark.empty()) cell.seed = verdict_from_mark(f.mark);
        if (!cell.value_ms || !f.min || !f.max) continue;
        const double v = *cell.value_ms;
        // The seed gives a range; a measurement outside it by more than a
        // rounding margin (10%) is a disagreement.
        if (v >= *f.min * 0.9 && v <= *f.max * 1.1) continue;
        cell.note = "seed says " + f.text + " (\"" + pr->metric + "\"), measured " + seconds(v) + " (" +
                    (v < *f.min ? "faster" : "slower") + " than the seed's range)";
        out.push_back({row.requirement.id, c.id, f.text, cell.seed, cell.verdict, cell.note, cell.summary});
      }
    }
  }
  return out;
}

}  // namespace moat::matrix
