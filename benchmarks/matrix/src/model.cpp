#include <moat/matrix/model.hpp>

#include <algorithm>
#include <cmath>

namespace moat::matrix {

using json = nlohmann::json;

const Row* MatrixReport::row(const std::string& id) const {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.requirement.id == id; });
  return it == rows.end() ? nullptr : &*it;
}

const Column* MatrixReport::column(const std::string& id) const {
  auto it = std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.id == id; });
  return it == columns.end() ? nullptr : &*it;
}

const Cell* MatrixReport::cell(const std::string& row_id, const std::string& column_id) const {
  const Row* r = row(row_id);
  if (r == nullptr) return nullptr;
  auto it = r->cells.find(column_id);
  return it == r->cells.end() ? nullptr : &it->second;
}

// Text output says "n/a" where the HTML report draws a dash.
std::string text_icon(Verdict v) { return std::string(bench::verdict_icon(v, "n/a")); }

std::optional<Verdict> verdict_from_mark(const std::string& mark) {
  // The seed writes the warning sign with and without the emoji variation selector.
  if (mark == "✅") return Verdict::yes;
  if (mark == "⚠️" || mark == "⚠") return Verdict::partial;
  if (mark == "❌") return Verdict::no;
  return std::nullopt;
}

json to_json(const Step& s) {
  json j = {{"kind", s.kind}, {"what", s.what}, {"ok", s.ok}, {"ms", std::round(s.ms * 10) / 10}};
  if (!s.argv.empty()) j["argv"] = s.argv;
  if (s.exit_code) j["exit_code"] = *s.exit_code;
  if (!s.out.empty()) j["stdout"] = s.out;
  if (!s.err.empty()) j["stderr"] = s.err;
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

json to_json(const Cell& c) {
  json j = {{"verdict", std::string(moat::bench::to_string(c.verdict))}, {"summary", c.summary}};
  if (c.declared) j["declared"] = true;
  if (c.value_ms) j["value_ms"] = std::round(*c.value_ms * 10) / 10;
  if (c.seed) j["seed"] = std::string(moat::bench::to_string(*c.seed));
  if (!c.seed_text.empty()) j["seed_text"] = c.seed_text;
  if (!c.note.empty()) j["note"] = c.note;
  json steps = json::array();
  for (const auto& s : c.steps) steps.push_back(to_json(s));
  // The report's HTML shows "evidence" as is: the summary first, then what was run.
  j["evidence"] = {{"summary", c.summary}, {"facts", c.facts}, {"steps", steps}};
  j["duration_ms"] = std::round(c.duration_ms);
  return j;
}

}  // namespace moat::matrix
