#include <moat/matrix/seed_data.hpp>

#include <moat/error.hpp>
#include <moat/matrix/requirements.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace moat::matrix {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The caller names the file's kind (see prefixed()).
[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw moat::Error(MOAT_E_INVALID, where + ": " + what);
}

template <typename Fn>
void prefixed(const std::string& kind, Fn&& parse) {
  try {
    parse();
  } catch (const moat::Error& e) {
    throw moat::Error(MOAT_E_INVALID, kind + ": " + e.what());
  }
}

const json& need(const json& j, const char* key, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
  auto it = j.find(key);
  if (it == j.end()) bad(where, std::string("missing \"") + key + "\"");
  return *it;
}

std::string need_string(const json& j, const char* key, const std::string& where) {
  const json& v = need(j, key, where);
  if (!v.is_string()) bad(where + "." + key, "expected a string");
  return v.get<std::string>();
}

std::string opt_string(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) bad(where + "." + key, "expected a string");
  return it->get<std::string>();
}

std::optional<double> opt_number(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) bad(where + "." + key, "expected a number");
  return it->get<double>();
}

std::vector<SeedColumn> read_columns(const json& arr, const std::string& where) {
  if (!arr.is_array()) bad(where, "expected an array");
  std::vector<SeedColumn> out;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string w = where + "[" + std::to_string(i) + "]";
    SeedColumn c;
    c.runtime = need_string(arr[i], "runtime", w);
    c.seed_name = need_string(arr[i], "seed_name", w);
    c.technology = opt_string(arr[i], "technology", w);
    if (c.technology.empty()) c.technology = c.seed_name;
    if (auto p = arr[i].find("plugin"); p != arr[i].end() && p->is_boolean()) c.plugin = p->get<bool>();
    out.push_back(std::move(c));
  }
  return out;
}

bool has_column(const std::vector<SeedColumn>& cols, const std::string& runtime) {
  return std::any_of(cols.begin(), cols.end(), [&](const SeedColumn& c) { return c.runtime == runtime; });
}

// "source": one reference or a list of them; each must name a place a reader can open.
std::vector<std::string> read_sources(const json& j, const std::string& where) {
  const json& v = need(j, "source", where);
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& s : v)
      if (s.is_string()) out.push_back(s.get<std::string>());
  const std::size_t given = v.is_array() ? v.size() : 1;
  if (out.empty() || out.size() != given) bad(where + ".source", "expected a reference or a list of them");
  for (const auto& s : out)
    if (source_url(s).empty())
      bad(where + ".source", "\"" + s + "\" is not an https:// URL, owner/repo#issue or owner/repo:path");
  return out;
}

DocumentedCell read_documented_cell(const json& j, const std::string& where) {
  DocumentedCell c;
  const std::string v = need_string(j, "verdict", where);
  if (v == "yes")
    c.verdict = Verdict::yes;
  else if (v == "partial")
    c.verdict = Verdict::partial;
  else if (v == "no")
    c.verdict = Verdict::no;
  else
    bad(where + ".verdict", "\"" + v + "\" is not yes, partial or no");
  c.documented.text = need_string(j, "text", where);
  if (c.documented.text.empty()) bad(where + ".text", "must not be empty");
  c.documented.sources = read_sources(j, where);
  return c;
}

json read_json_file(const fs::path& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw moat::Error(MOAT_E_NOT_FOUND, what + " " + file.string() + ": cannot be read (it ships in share/moat/" +
                                            file.filename().string() + ")");
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    return json::parse(buf.str());
  } catch (const json::parse_error& e) {
    throw moat::Error(MOAT_E_INVALID, what + " " + file.string() + ": not valid JSON: " + e.what());
  }
}

SeedData parse_seed_tables(const json& j) {
  if (!j.is_object()) bad("document", "expected an object");
  SeedData s;
  s.source = opt_string(j, "source", "document");
  s.columns = read_columns(need(j, "columns", "document"), "columns");

  const json& rows = need(j, "requirements_matrix", "document");
  if (!rows.is_array()) bad("requirements_matrix", "expected an array");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string w = "requirements_matrix[" + std::to_string(i) + "]";
    SeedRequirementRow r;
    r.feature = need_string(rows[i], "feature", w);
    r.matrix_row = need_string(rows[i], "matrix_row", w);
    const json& cells = need(rows[i], "cells", w);
    if (!cells.is_object()) bad(w + ".cells", "expected an object keyed by runtime");
    for (const auto& [rt, mark] : cells.items()) {
      if (!has_column(s.columns, rt)) bad(w + ".cells." + rt, "not one of the columns");
      if (!mark.is_string()) bad(w + ".cells." + rt, "expected a mark (✅, ⚠️ or ❌)");
      auto v = verdict_from_mark(mark.get<std::string>());
      if (!v) bad(w + ".cells." + rt, "\"" + mark.get<std::string>() + "\" is not ✅, ⚠️ or ❌");
      r.cells[rt] = {mark.get<std::string>(), *v};
    }
    s.requirements.push_back(std::move(r));
  }

  if (auto pc = j.find("performance_columns"); pc != j.end())
    s.performance_columns = read_columns(*pc, "performance_columns");
  if (auto perf = j.find("performance_comparison"); perf != j.end()) {
    if (!perf->is_array()) bad("performance_comparison", "expected an array");
    for (std::size_t i = 0; i < perf->size(); ++i) {
      const std::string w = "performance_comparison[" + std::to_string(i) + "]";
      const json& pr = (*perf)[i];
      SeedPerformanceRow r;
      r.metric = need_string(pr, "metric", w);
      r.matrix_row = opt_string(pr, "matrix_row", w);
      r.unit = opt_string(pr, "unit", w);
      const json& cells = need(pr, "cells", w);
      if (!cells.is_object()) bad(w + ".cells", "expected an object keyed by runtime");
      for (const auto& [rt, c] : cells.items()) {
        const std::string cw = w + ".cells." + rt;
        if (!has_column(s.performance_columns, rt)) bad(cw, "not one of the performance columns");
        SeedFigure f;
        f.text = need_string(c, "text", cw);
        f.mark = opt_string(c, "mark", cw);
        if (!f.mark.empty() && !verdict_from_mark(f.mark)) bad(cw + ".mark", "not ✅, ⚠️ or ❌");
        f.min = opt_number(c, "min", cw);
        f.max = opt_number(c, "max", cw);
        r.cells[rt] = std::move(f);
      }
      s.performance.push_back(std::move(r));
    }
  }
  return s;
}

}  // namespace

const DocumentedColumn* SeedData::documented_column(const std::string& runtime) const {
  auto it = documented.find(runtime);
  return it == documented.end() ? nullptr : &it->second;
}

const SeedColumn* SeedData::column(const std::string& runtime) const {
  auto it = std::find_if(columns.begin(), columns.end(), [&](const SeedColumn& c) { return c.runtime == runtime; });
  return it == columns.end() ? nullptr : &*it;
}

const SeedRequirementRow* SeedData::requirement_row(const std::string& matrix_row) const {
  auto it = std::find_if(requirements.begin(), requirements.end(),
                         [&](const SeedRequirementRow& r) { return r.matrix_row == matrix_row; });
  return it == requirements.end() ? nullptr : &*it;
}

const SeedPerformanceRow* SeedData::performance_row(const std::string& matrix_row) const {
  auto it = std::find_if(performance.begin(), performance.end(), [&](const SeedPerformanceRow& r) {
    return !matrix_row.empty() && r.matrix_row == matrix_row;
  });
  return it == performance.end() ? nullptr : &*it;
}

SeedData parse_seed(const json& j) {
  SeedData s;
  prefixed("seed matrix", [&] { s = parse_seed_tables(j); });
  return s;
}

void parse_documented(const json& j, SeedData& seed) {
  prefixed("documented cells", [&] {
    const json& cols = need(j, "columns", "document");
    if (!cols.is_object()) bad("columns", "expected an object keyed by runtime");
    for (const auto& [rt, col] : cols.items()) {
      const std::string w = "columns." + rt;
      const SeedColumn* sc = seed.column(rt);
      if (sc == nullptr) bad(w, "not one of the seed's columns");
      // A column with a plugin is measured; documentation would only hide that.
      if (sc->plugin) bad(w, "moat has a plugin for it: its cells are measured");
      DocumentedColumn dc;
      dc.summary.text = need_string(col, "summary", w);
      dc.summary.sources = read_sources(col, w);
      const json& cells = need(col, "cells", w);
      if (!cells.is_object()) bad(w + ".cells", "expected an object keyed by row");
      for (const auto& [row_id, cell] : cells.items()) {
        const std::string cw = w + ".cells." + row_id;
        const Requirement* r = find_requirement(row_id);
        if (r == nullptr) bad(cw, "not a row of the matrix");
        if (r->declared) bad(cw, "a declared row: the seed's marks stand there");
        dc.cells[row_id] = read_documented_cell(cell, cw);
      }
      seed.documented[rt] = std::move(dc);
    }
  });
}

fs::path documented_file_for(const fs::path& seed_file) { return seed_file.parent_path() / "documented-cells.json"; }

SeedData load_seed(const fs::path& file) {
  const json seed_json = read_json_file(file, "seed matrix");
  const fs::path documented = documented_file_for(file);
  const json documented_json = read_json_file(documented, "documented cells");
  SeedData s;
  try {
    s = parse_seed(seed_json);
  } catch (const moat::Error& e) {
    throw moat::Error(MOAT_E_INVALID, file.string() + ": " + e.what());
  }
  try {
    parse_documented(documented_json, s);
  } catch (const moat::Error& e) {
    throw moat::Error(MOAT_E_INVALID, documented.string() + ": " + e.what());
  }
  return s;
}

std::vector<fs::path> seed_search_paths(const fs::path& exe_dir) {
  std::vector<fs::path> out;
  if (!exe_dir.empty()) out.push_back(exe_dir.parent_path() / "share" / "moat" / "seed-matrix.json");
#ifdef MOAT_MATRIX_SEED_SOURCE
  out.emplace_back(MOAT_MATRIX_SEED_SOURCE);
#endif
  return out;
}

}  // namespace moat::matrix
