#include <moat/harness/fio.hpp>

#include <moat/error.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace moat::harness {
using json = nlohmann::json;
namespace {

double number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

FioDirection direction(const json& job, const char* key) {
  FioDirection d;
  auto it = job.find(key);
  if (it == job.end() || !it->is_object()) return d;
  d.bw_mib_s = number(*it, "bw") / 1024.0;  // KiB/s
  d.iops = number(*it, "iops");
  d.io_mib = number(*it, "io_kbytes") / 1024.0;
  return d;
}

}  // namespace

FioResult parse_fio_json(std::string_view output) {
  // fio may print warnings ("fio: ...") before the document.
  const auto start = output.find("{\n");
  const auto brace = start == std::string_view::npos ? output.find('{') : start;
  if (brace == std::string_view::npos)
    throw moat::Error(MOAT_E_INVALID, "fio printed no JSON document (is --output-format=json set?)");
  json doc = json::parse(output.substr(brace), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw moat::Error(MOAT_E_INVALID, "fio's output is not a JSON document");
  FioResult r;
  r.version = doc.value("fio version", std::string());
  auto jobs = doc.find("jobs");
  if (jobs == doc.end() || !jobs->is_array() || jobs->empty())
    throw moat::Error(MOAT_E_INVALID, "fio's JSON has no jobs");
  for (const auto& j : *jobs) {
    FioJob job;
    job.name = j.value("jobname", std::string());
    job.error = j.value("error", 0);
    job.read = direction(j, "read");
    job.write = direction(j, "write");
    if (auto s = j.find("sync"); s != j.end() && s->is_object())
      if (auto lat = s->find("lat_ns"); lat != s->end() && lat->is_object())
        job.sync_lat_mean_us = number(*lat, "mean") / 1000.0;
    double rt = 0;
    for (const char* k : {"read", "write"})
      if (auto d = j.find(k); d != j.end() && d->is_object()) rt = std::max(rt, number(*d, "runtime"));
    job.runtime_ms = rt;
    r.jobs.push_back(std::move(job));
  }
  return r;
}

}  // namespace moat::harness
