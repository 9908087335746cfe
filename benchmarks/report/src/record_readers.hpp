// Readers for the individual records of a results file (internal): shared by
// the final-document parser and the JSONL parser. `where` prefixes errors.
#pragma once

#include <moat/bench/report/results.hpp>

#include <string>

#include <nlohmann/json.hpp>

namespace moat::bench::detail {

MetricInfo read_metric(const nlohmann::json& j, const std::string& where);
Manifest read_manifest(const nlohmann::json& j, const std::string& where);
Sample read_sample(const nlohmann::json& j, const std::string& where);
Unsupported read_unsupported(const nlohmann::json& j, const std::string& where);

}  // namespace moat::bench::detail
