// docs/schemas/results.schema.json and the writer must not drift apart:
// every key the writer emits is documented in the schema, and every key the
// schema requires is emitted. (The schema itself was validated against real
// output with python3-jsonschema; see docs/results-schema.md.)
#include <moat/bench/report/results_json.hpp>

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <set>

using namespace moat::bench;
using moat::bench::testing::read_file;
using moat::bench::testing::synthetic_results;
using nlohmann::json;

namespace {

json schema() {
  return json::parse(read_file(std::filesystem::path(MOAT_SOURCE_DIR) / "docs/schemas/results.schema.json"));
}

void expect_in_sync(const json& def, const json& emitted, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(def.contains("properties"));
  for (const auto& [key, _] : emitted.items()) {
    EXPECT_TRUE(def["properties"].contains(key)) << "emitted key \"" << key << "\" is not in the schema";
  }
  for (const json& key : def.value("required", json::array())) {
    EXPECT_TRUE(emitted.contains(key.get<std::string>())) << "required key " << key << " is not emitted";
  }
}

}  // namespace

TEST(ResultsSchema, MatchesWhatTheWriterEmits) {
  const json s = schema();
  Results r = synthetic_results(3);
  const json doc = results_to_json(r);
  expect_in_sync(s, doc, "document");
  EXPECT_EQ(s["properties"]["format"]["const"], doc["format"]);
  expect_in_sync(s["$defs"]["manifest"], doc["manifest"], "manifest");
  expect_in_sync(s["$defs"]["host"], doc["manifest"]["host"], "host");
  expect_in_sync(s["$defs"]["engine"], doc["manifest"]["engine"], "engine");
  expect_in_sync(s["$defs"]["runtime"], doc["manifest"]["runtimes"]["gvisor"], "runtime");
  expect_in_sync(s["$defs"]["metric"], doc["metrics"][0], "metric");
  expect_in_sync(s["$defs"]["unsupported"], doc["unsupported"][0], "unsupported");
  // An ok sample and a failed one (which carries "error").
  std::set<std::string> seen;
  for (const json& sample : doc["samples"]) {
    const std::string kind = sample["ok"].get<bool>() ? "ok" : "failed";
    if (seen.insert(kind).second) expect_in_sync(s["$defs"]["sample"], sample, "sample " + kind);
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(s["$defs"]["manifest"]["properties"]["schema_version"]["maximum"], kResultsSchemaVersion);
}
