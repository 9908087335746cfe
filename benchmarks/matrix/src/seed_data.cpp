#include <moat/matrix/seed_data.hpp>

#include <moat/error.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace moat::matrix {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw moat::Error(MOAT_E_INVALID, "seed matrix: " + where + ": " + what);
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

}  // namespace

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

SeedData load_seed(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw moat::Error(MOAT_E_NOT_FOUND,
                      "seed matrix " + file.string() + ": cannot be read (it ships in share/moat/seed-matrix.json)");
  std::stringstream buf;
  buf << in.rdbuf();
  json j;
  try {
    j = json::parse(buf.str());
  } catch (const json::parse_error& e) {
    throw moat::Error(MOAT_E_INVALID, "seed matrix " + file.string() + ": not valid JSON: " + e.what());
  }
  try {
    return parse_seed(j);
  } catch (const moat::Error& e) {
    throw moat::Error(MOAT_E_INVALID, file.string() + ": " + e.what());
  }
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
