#include <moat/matrix/render.hpp>

#include <cstdio>
#include <sstream>

namespace moat::matrix {

namespace {

// Table cells may not hold '|' or newlines.
std::string md(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string code(const std::string& s) {
  std::string t = md(s);
  return t.find('`') == std::string::npos ? "`" + t + "`" : "``" + t + "``";
}

std::string links(const std::vector<std::string>& sources) {
  std::string out;
  for (const auto& s : sources) {
    if (!out.empty()) out += "; ";
    const std::string url = source_url(s);
    if (url.empty()) {
      out += md(s);
      continue;
    }
    out += '[';
    out += md(s);
    out += "](";
    out += url;
    out += ')';
  }
  return out;
}

// Documented cells carry their text and sources in the table itself: the
// reader must see at a glance that they were read, not measured, and where.
std::string table_cell(const Cell* cell, const Column& column) {
  std::string out = md(cell_text(cell, column));
  if (cell == nullptr || !cell->documented) return out;
  out += ": ";
  out += md(cell->documented->text);
  out += " (";
  out += links(cell->documented->sources);
  out += ')';
  return out;
}

}  // namespace

std::string to_markdown(const MatrixReport& r) {
  std::ostringstream o;
  o << "# Requirements matrix\n\n";
  o << "Measured live by `moat matrix` on " << r.host.value("os", std::string("this host")) << ", kernel "
    << r.host.value("kernel", std::string("?")) << " (run `" << r.run_id << "`, " << r.started << ", ";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f s", r.duration_s);
  o << buf << ").\n\n";

  o << "| Requirement |";
  for (const auto& c : r.columns) o << ' ' << md(column_header(c)) << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < r.columns.size(); ++i) o << "---|";
  o << '\n';
  for (const auto& row : r.rows) {
    o << "| " << md(row.requirement.label) << (row.requirement.declared ? " *(declared)*" : "") << " |";
    for (const auto& c : r.columns) {
      auto it = row.cells.find(c.id);
      o << ' ' << table_cell(it == row.cells.end() ? nullptr : &it->second, c) << " |";
    }
    o << '\n';
  }
  o << "\n✅ yes · ⚠️ partial · ❌ no · n/a unavailable here (reason given) · *(declared)*: carried from the "
       "seed's table, not measured · documented: what upstream documents, with its source, not measured · "
       "(seed …): the seed's cell where it disagrees.\n\n";

  o << "## Recommendation\n\n" << r.recommendation.text << "\n\n";
  if (!r.recommendation.ranked.empty()) {
    o << "| Rank | Runtime | Boot | Source |\n|---|---|---|---|\n";
    int n = 0;
    for (const auto& x : r.recommendation.ranked) {
      std::string boot = "-";
      if (x.boot_ms) {
        std::snprintf(buf, sizeof buf, "%.2f s", *x.boot_ms / 1000);
        boot = buf;
      }
      o << "| " << ++n << " | " << md(x.column) << " | " << boot << " | " << md(x.boot_source) << " |\n";
    }
    o << '\n';
  }
  if (!r.recommendation.ruled_out.empty()) {
    o << "Ruled out:\n\n";
    for (const auto& x : r.recommendation.ruled_out) {
      o << "- **" << md(x.column) << "**:";
      const Column* col = r.column(x.column);
      if (col != nullptr && !col->available) {
        o << " unavailable here (" << md(col->reason) << ")\n";
        continue;
      }
      for (const auto& f : x.failures)
        o << " " << f.requirement << " " << text_icon(f.verdict) << " (" << md(f.evidence) << ");";
      o << '\n';
    }
    o << '\n';
  }

  o << "## Where the measurement disagrees with the seed\n\n";
  if (r.disagreements.empty()) o << "Nowhere: every cell that could be measured matches the seed.\n";
  for (const auto& d : r.disagreements)
    o << "- **" << md(d.column) << "**, " << d.row << ": " << md(d.note) << " — " << md(d.evidence) << '\n';
  o << "\nSource of the seed's cells: " << md(r.seed_source) << ".\n\n";

  o << "## Runtimes\n\n";
  for (const auto& c : r.columns) {
    o << "- **" << md(c.id) << "**: " << md(c.description);
    if (c.available)
      o << "; available" << (c.version.empty() ? "" : ", version " + md(c.version))
        << (c.engine_runtime.empty() ? "" : ", engine runtime " + code(c.engine_runtime));
    else
      o << "; unavailable: " << md(c.reason);
    if (c.documented) o << " (sources: " << links(c.documented->sources) << ")";
    o << '\n';
  }

  o << "\n## Evidence\n\nEvery command each probe ran, with its exit code; the JSON document (`-o json` or "
       "`--json FILE`) has their output.\n";
  for (const auto& c : r.columns) {
    if (!c.available) continue;
    o << "\n### " << md(c.id) << "\n";
    for (const auto& row : r.rows) {
      if (row.requirement.declared) continue;
      auto it = row.cells.find(c.id);
      if (it == row.cells.end()) continue;
      const Cell& cell = it->second;
      o << "\n**" << md(row.requirement.label) << "** " << text_icon(cell.verdict) << " " << md(cell.summary);
      if (!cell.note.empty()) o << " *(" << md(cell.note) << ")*";
      o << "\n\n";
      for (const auto& s : cell.steps) {
        o << "- " << code(s.what);
        if (s.exit_code) o << " → exit " << *s.exit_code;
        if (!s.error.empty()) o << " → error: " << md(s.error);
        o << '\n';
      }
    }
  }

  o << "\n## Host\n\n```json\n" << r.host.dump(2) << "\n```\n";
  return o.str();
}

}  // namespace moat::matrix
