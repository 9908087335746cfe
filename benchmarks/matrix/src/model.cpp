#include <moat/matrix/model.hpp>

#include <algorithm>
#include <cmath>
#include <regex>

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

std::string source_url(const std::string& source) {
  static const std::regex url(R"(https://\S+)");
  static const std::regex issue(R"(([\w.-]+/[\w.-]+)#(\d+))");
  static const std::regex file(R"(([\w.-]+/[\w.-]+):([\w./-]+))");
  std::smatch m;
  if (std::regex_match(source, url)) return source;
  // GitHub redirects /issues/N to /pull/N when N is a pull request.
  if (std::regex_match(source, m, issue)) return "https://github.com/" + m[1].str() + "/issues/" + m[2].str();
  if (std::regex_match(source, m, file)) return "https://github.com/" + m[1].str() + "/blob/HEAD/" + m[2].str();
  return {};
}

std::string sources_text(const Documented& d) {
  std::string out;
  for (const auto& s : d.sources) out += (out.empty() ? "" : "; ") + s;
  return out;
}

std::string documented_summary(const Documented& d) {
  return "documented upstream, not measured: " + d.text + " (" + sources_text(d) + ")";
}

json to_json(const Documented& d) {
  json sources = json::array();
  for (const auto& s : d.sources) sources.push_back({{"ref", s}, {"url", source_url(s)}});
  return {{"text", d.text}, {"sources", sources}};
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
  if (c.documented) j["documented"] = to_json(*c.documented);
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
