#include <moat/matrix/render.hpp>

#include <cmath>

namespace moat::matrix {

using json = nlohmann::json;

namespace {

std::string policy_name(DindPolicy p) {
  switch (p) {
    case DindPolicy::docker_checks:
      return "docker-probes";
    case DindPolicy::never:
      return "never";
    case DindPolicy::always:
      return "always";
  }
  return "docker-probes";
}

json column_json(const Column& c) {
  json j = {{"id", c.id},
            {"runtime", c.runtime},
            {"plugin", c.has_plugin},
            {"dind_mode", policy_name(c.dind)},
            {"seed_name", c.seed_name},
            {"technology", c.technology},
            {"description", c.description},
            {"available", c.available},
            {"reason", c.reason},
            {"version", c.version},
            {"engine_runtime", c.engine_runtime},
            {"probe", c.probe_details}};
  if (c.documented) j["documented"] = to_json(*c.documented);
  return j;
}

}  // namespace

json to_json(const MatrixReport& r) {
  json doc;
  doc["schema_version"] = kMatrixSchemaVersion;
  doc["kind"] = "moat-matrix";
  doc["title"] = "Requirements matrix, measured on " + r.host.value("kernel", std::string("this host")) +
                 (r.host.contains("os") ? " (" + r.host.value("os", "") + ")" : std::string());
  doc["run_id"] = r.run_id;
  doc["started"] = r.started;
  doc["finished"] = r.finished;
  doc["duration_s"] = std::round(r.duration_s * 10) / 10;
  doc["host"] = r.host;
  doc["options"] = r.options;

  json cols = json::array();
  for (const auto& c : r.columns) cols.push_back(column_json(c));
  doc["runtimes"] = cols;

  json rows = json::array();
  for (const auto& row : r.rows) {
    json cells = json::object();
    for (const auto& [id, cell] : row.cells) cells[id] = to_json(cell);
    rows.push_back({{"id", row.requirement.id},
                    {"label", row.requirement.label},
                    {"declared", row.requirement.declared},
                    {"description", row.requirement.description},
                    {"cells", cells}});
  }
  doc["rows"] = rows;

  json dis = json::array();
  for (const auto& d : r.disagreements) {
    dis.push_back({{"row", d.row},
                   {"runtime", d.column},
                   {"seed", d.seed ? json(std::string(moat::bench::to_string(*d.seed))) : json(nullptr)},
                   {"seed_text", d.seed_text},
                   {"measured", std::string(moat::bench::to_string(d.measured))},
                   {"note", d.note},
                   {"evidence", d.evidence}});
  }
  doc["seed"] = {{"source", r.seed_source}, {"disagreements", dis}};

  const Recommendation& rec = r.recommendation;
  doc["recommendation"] = rec.text;
  json ranked = json::array();
  for (const auto& x : rec.ranked) {
    json j = {{"runtime", x.column}, {"boot_source", x.boot_source}, {"figures", x.figures}};
    j["boot_ms"] = x.boot_ms ? json(std::round(*x.boot_ms * 10) / 10) : json(nullptr);
    ranked.push_back(j);
  }
  json out = json::array();
  for (const auto& x : rec.ruled_out) {
    json f = json::array();
    for (const auto& y : x.failures)
      f.push_back({{"requirement", y.requirement},
                   {"verdict", std::string(moat::bench::to_string(y.verdict))},
                   {"evidence", y.evidence}});
    out.push_back({{"runtime", x.column}, {"failures", f}});
  }
  doc["ranking"] = {{"required", rec.required}, {"ranked", ranked}, {"ruled_out", out}};
  doc["cleanup"] = r.cleanup;
  doc["warnings"] = r.warnings;
  doc["interrupted"] = r.interrupted;
  return doc;
}

}  // namespace moat::matrix
