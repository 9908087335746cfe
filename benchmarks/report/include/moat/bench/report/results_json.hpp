// The JSON form of the results model: the final document (docs/results-schema.md,
// docs/schemas/results.schema.json) and the records of the JSONL stream.
#pragma once

#include <moat/bench/report/results.hpp>

#include <nlohmann/json.hpp>

namespace moat::bench {

void to_json(nlohmann::json& j, const MetricInfo& m);
void from_json(const nlohmann::json& j, MetricInfo& m);
void to_json(nlohmann::json& j, const HostInfo& h);
void from_json(const nlohmann::json& j, HostInfo& h);
void to_json(nlohmann::json& j, const EngineInfo& e);
void from_json(const nlohmann::json& j, EngineInfo& e);
void to_json(nlohmann::json& j, const RuntimeInfo& r);
void from_json(const nlohmann::json& j, RuntimeInfo& r);
void to_json(nlohmann::json& j, const Manifest& m);
void from_json(const nlohmann::json& j, Manifest& m);
void to_json(nlohmann::json& j, const Sample& s);
void from_json(const nlohmann::json& j, Sample& s);
void to_json(nlohmann::json& j, const Unsupported& u);
void from_json(const nlohmann::json& j, Unsupported& u);

// The final document: {"schema_version", "manifest", "metrics", "samples", "unsupported"}.
nlohmann::json results_to_json(const Results& r);
// Validates as it reads (schema version, required fields, samples referring
// to declared metrics and known runtimes); throws moat::Error (invalid) with
// the offending path. Sets complete = true.
Results results_from_json(const nlohmann::json& j);

// Checks one sample against the declared metrics and runtimes; throws
// moat::Error (invalid) saying what is wrong. Used by writer and readers.
void validate_sample(const Results& context, const Sample& s);

}  // namespace moat::bench
