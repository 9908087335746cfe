#include <moat/bench/report/results_json.hpp>

#include <moat/error.hpp>

#include "json_fields.hpp"
#include "record_readers.hpp"

#include <cmath>
#include <set>

namespace moat::bench {

using nlohmann::json;
using namespace detail;

namespace detail {

MetricInfo read_metric(const json& j, const std::string& where) {
  require_object(j, where);
  MetricInfo m;
  m.scenario = need_string(j, "scenario", where);
  m.metric = need_string(j, "metric", where);
  m.unit = need_string(j, "unit", where);
  try {
    m.direction = parse_direction(need_string(j, "direction", where));
  } catch (const moat::Error& e) {
    bad(where + ".direction", e.what());
  }
  m.description = opt_string(j, "description", where);
  if (m.scenario.empty() || m.metric.empty()) bad(where, "scenario and metric must not be empty");
  return m;
}

HostInfo read_host(const json& j, const std::string& where) {
  require_object(j, where);
  HostInfo h;
  h.hostname = opt_string(j, "hostname", where);
  h.kernel = opt_string(j, "kernel", where);
  h.os = opt_string(j, "os", where);
  h.cpu_model = opt_string(j, "cpu_model", where);
  h.cores = static_cast<int>(opt_uint(j, "cores", where));
  h.memory_bytes = opt_uint(j, "memory_bytes", where);
  h.workdir = opt_string(j, "workdir", where);
  h.workdir_filesystem = opt_string(j, "workdir_filesystem", where);
  h.extra = opt_object(j, "extra", where);
  return h;
}

EngineInfo read_engine(const json& j, const std::string& where) {
  require_object(j, where);
  return EngineInfo{opt_string(j, "name", where), opt_string(j, "version", where), opt_string(j, "api", where)};
}

RuntimeInfo read_runtime(const json& j, const std::string& id, const std::string& where) {
  require_object(j, where);
  RuntimeInfo r;
  r.id = id;
  r.version = opt_string(j, "version", where);
  r.engine_runtime = opt_string(j, "engine_runtime", where);
  if (const json* args = find(j, "args"); args != nullptr && !args->is_null()) {
    if (!args->is_array()) bad(where + ".args", "expected an array of strings");
    for (const json& a : *args) {
      if (!a.is_string()) bad(where + ".args", "expected an array of strings");
      r.args.push_back(a.get<std::string>());
    }
  }
  r.extra = opt_object(j, "extra", where);
  return r;
}

Manifest read_manifest(const json& j, const std::string& where) {
  require_object(j, where);
  Manifest m;
  m.schema_version = static_cast<int>(need_int(j, "schema_version", where));
  if (m.schema_version > kResultsSchemaVersion || m.schema_version < 1) {
    bad(where + ".schema_version", "this moat reads results schema version " + std::to_string(kResultsSchemaVersion) +
                                       ", the file has " + std::to_string(m.schema_version) +
                                       " (use the moat that wrote it)");
  }
  m.moat_version = opt_string(j, "moat_version", where);
  m.run_id = need_string(j, "run_id", where);
  m.started = need_string(j, "started", where);
  m.finished = opt_string(j, "finished", where);
  m.seed = opt_uint(j, "seed", where);
  m.profile = opt_string(j, "profile", where);
  m.parameters = opt_object(j, "parameters", where);
  m.host = read_host(opt_object(j, "host", where), where + ".host");
  m.engine = read_engine(opt_object(j, "engine", where), where + ".engine");
  for (const auto& [id, rj] : opt_object(j, "runtimes", where).items()) {
    m.runtimes[id] = read_runtime(rj, id, where + ".runtimes." + id);
  }
  for (const auto& [ref, digest] : opt_object(j, "images", where).items()) {
    if (!digest.is_string()) bad(where + ".images." + ref, "expected a digest string");
    m.images[ref] = digest.get<std::string>();
  }
  return m;
}

Sample read_sample(const json& j, const std::string& where) {
  require_object(j, where);
  Sample s;
  s.runtime = need_string(j, "runtime", where);
  s.scenario = need_string(j, "scenario", where);
  s.metric = need_string(j, "metric", where);
  s.unit = need_string(j, "unit", where);
  s.repetition = static_cast<int>(need_int(j, "repetition", where));
  s.warmup = need_bool(j, "warmup", where);
  const json& v = need(j, "value", where);
  if (v.is_number()) {
    s.value = v.get<double>();
  } else if (!v.is_null()) {
    bad(where + ".value", "expected a number or null");
  }
  s.ok = need_bool(j, "ok", where);
  s.error = opt_string(j, "error", where);
  s.t = need_string(j, "t", where);
  return s;
}

Unsupported read_unsupported(const json& j, const std::string& where) {
  require_object(j, where);
  Unsupported u;
  u.runtime = need_string(j, "runtime", where);
  u.scenario = need_string(j, "scenario", where);
  u.metric = opt_string(j, "metric", where);
  u.reason = need_string(j, "reason", where);
  return u;
}

}  // namespace detail

void to_json(json& j, const MetricInfo& m) {
  j = json{{"scenario", m.scenario},
           {"metric", m.metric},
           {"unit", m.unit},
           {"direction", std::string(to_string(m.direction))}};
  if (!m.description.empty()) j["description"] = m.description;
}
void from_json(const json& j, MetricInfo& m) { m = read_metric(j, "metric"); }

void to_json(json& j, const HostInfo& h) {
  j = json{{"hostname", h.hostname},
           {"kernel", h.kernel},
           {"os", h.os},
           {"cpu_model", h.cpu_model},
           {"cores", h.cores},
           {"memory_bytes", h.memory_bytes},
           {"workdir", h.workdir},
           {"workdir_filesystem", h.workdir_filesystem},
           {"extra", h.extra}};
}
void from_json(const json& j, HostInfo& h) { h = read_host(j, "host"); }

void to_json(json& j, const EngineInfo& e) { j = json{{"name", e.name}, {"version", e.version}, {"api", e.api}}; }
void from_json(const json& j, EngineInfo& e) { e = read_engine(j, "engine"); }

void to_json(json& j, const RuntimeInfo& r) {
  j = json{{"version", r.version}, {"engine_runtime", r.engine_runtime}, {"args", r.args}, {"extra", r.extra}};
}
void from_json(const json& j, RuntimeInfo& r) { r = read_runtime(j, r.id, "runtime"); }

void to_json(json& j, const Manifest& m) {
  json runtimes = json::object();
  for (const auto& [id, r] : m.runtimes) runtimes[id] = r;
  j = json{{"schema_version", m.schema_version},
           {"moat_version", m.moat_version},
           {"run_id", m.run_id},
           {"started", m.started},
           {"finished", m.finished.empty() ? json(nullptr) : json(m.finished)},
           {"seed", m.seed},
           {"profile", m.profile},
           {"parameters", m.parameters},
           {"host", m.host},
           {"engine", m.engine},
           {"runtimes", runtimes},
           {"images", m.images}};
}
void from_json(const json& j, Manifest& m) { m = read_manifest(j, "manifest"); }

void to_json(json& j, const Sample& s) {
  j = json{{"runtime", s.runtime},
           {"scenario", s.scenario},
           {"metric", s.metric},
           {"unit", s.unit},
           {"repetition", s.repetition},
           {"warmup", s.warmup},
           {"value", s.value && std::isfinite(*s.value) ? json(*s.value) : json(nullptr)},
           {"ok", s.ok}};
  if (!s.error.empty()) j["error"] = s.error;
  j["t"] = s.t;
}
void from_json(const json& j, Sample& s) { s = read_sample(j, "sample"); }

void to_json(json& j, const Unsupported& u) {
  j = json{{"runtime", u.runtime}, {"scenario", u.scenario}, {"reason", u.reason}};
  if (!u.metric.empty()) j["metric"] = u.metric;
}
void from_json(const json& j, Unsupported& u) { u = read_unsupported(j, "unsupported"); }

void validate_sample(const Results& context, const Sample& s) {
  const std::string what = "sample " + s.runtime + "/" + s.scenario + "/" + s.metric + " #" +
                           std::to_string(s.repetition) + (s.warmup ? " (warm-up)" : "");
  if (s.runtime.empty() || s.scenario.empty() || s.metric.empty()) {
    throw moat::Error(MOAT_E_INVALID, what + ": runtime, scenario and metric must not be empty");
  }
  if (context.manifest.runtimes.find(s.runtime) == context.manifest.runtimes.end()) {
    throw moat::Error(MOAT_E_INVALID, what + ": runtime \"" + s.runtime + "\" is not in the manifest");
  }
  const MetricInfo* m = context.find_metric(s.scenario, s.metric);
  if (m == nullptr) {
    throw moat::Error(MOAT_E_INVALID, what + ": metric not declared (declare_metric before recording)");
  }
  if (m->unit != s.unit) {
    throw moat::Error(MOAT_E_INVALID, what + ": unit \"" + s.unit + "\" differs from the declared \"" + m->unit + "\"");
  }
  if (s.repetition < 0) throw moat::Error(MOAT_E_INVALID, what + ": repetition must be >= 0");
  if (s.ok && !(s.value && std::isfinite(*s.value))) {
    throw moat::Error(MOAT_E_INVALID, what + ": a successful sample needs a finite value");
  }
  if (!s.ok && s.error.empty()) throw moat::Error(MOAT_E_INVALID, what + ": a failed sample needs an error message");
  if (s.value && !std::isfinite(*s.value)) throw moat::Error(MOAT_E_INVALID, what + ": value is not finite");
}

json results_to_json(const Results& r) {
  json metrics = json::array();
  for (const MetricInfo& m : r.metrics) metrics.push_back(m);
  json samples = json::array();
  for (const Sample& s : r.samples) samples.push_back(s);
  json unsupported = json::array();
  for (const Unsupported& u : r.unsupported) unsupported.push_back(u);
  return json{{"format", "moat-results"},
              {"manifest", r.manifest},
              {"metrics", metrics},
              {"samples", samples},
              {"unsupported", unsupported}};
}

Results results_from_json(const json& j) {
  require_object(j, "results");
  if (const json* f = find(j, "format"); f == nullptr || *f != "moat-results") {
    bad("results", "not a moat results document (\"format\": \"moat-results\" missing)");
  }
  Results r;
  r.manifest = read_manifest(need(j, "manifest", "results"), "manifest");
  const json& metrics = need(j, "metrics", "results");
  if (!metrics.is_array()) bad("metrics", "expected an array");
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    MetricInfo m = read_metric(metrics[i], "metrics[" + std::to_string(i) + "]");
    if (!seen.insert({m.scenario, m.metric}).second) {
      bad("metrics[" + std::to_string(i) + "]", "metric " + m.scenario + "/" + m.metric + " declared twice");
    }
    r.metrics.push_back(std::move(m));
  }
  const json& samples = need(j, "samples", "results");
  if (!samples.is_array()) bad("samples", "expected an array");
  r.samples.reserve(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::string where = "samples[" + std::to_string(i) + "]";
    Sample s = read_sample(samples[i], where);
    try {
      validate_sample(r, s);
    } catch (const moat::Error& e) {
      bad(where, e.what());
    }
    r.samples.push_back(std::move(s));
  }
  if (const json* un = find(j, "unsupported"); un != nullptr && !un->is_null()) {
    if (!un->is_array()) bad("unsupported", "expected an array");
    for (std::size_t i = 0; i < un->size(); ++i) {
      r.unsupported.push_back(read_unsupported((*un)[i], "unsupported[" + std::to_string(i) + "]"));
    }
  }
  r.complete = true;
  return r;
}

}  // namespace moat::bench
