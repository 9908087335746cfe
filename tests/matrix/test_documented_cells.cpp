// The Firecracker and Flintlock columns: what upstream documents, each cell
// with its source (benchmarks/data/documented-cells.json), shown in place of
// "no moat plugin" and never taken for a measurement. docs/upstream-claims.md
// names these tests next to each claim.
#include "matrix_test_support.hpp"
#include "temp_dir.hpp"

#include <moat/error.hpp>
#include <moat/matrix/columns.hpp>
#include <moat/matrix/recommendation.hpp>
#include <moat/matrix/requirements.hpp>
#include <moat/matrix/seed_comparison.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::cell;
using moat::matrix_test::shipped_seed;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const DocumentedCell& documented(const std::string& runtime, const std::string& row) {
  const DocumentedColumn* c = shipped_seed().documented_column(runtime);
  if (c == nullptr) throw std::runtime_error("no documented column " + runtime);
  return c->cells.at(row);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool cites(const Documented& d, const std::string& source) {
  return std::find(d.sources.begin(), d.sources.end(), source) != d.sources.end();
}

// One documented cell as docs/upstream-claims.md states it: its verdict, what
// it says, and one of the sources it must cite.
void expect_claim(const std::string& runtime, const std::string& row, Verdict verdict, const std::string& says,
                  const std::string& source) {
  SCOPED_TRACE(runtime + " · " + row);
  const DocumentedCell& c = documented(runtime, row);
  EXPECT_EQ(c.verdict, verdict);
  EXPECT_TRUE(has(c.documented.text, says)) << c.documented.text;
  EXPECT_TRUE(cites(c.documented, source)) << source;
}

// The runner's picture of a column without a plugin: every measured row
// unavailable, except what the host check decided.
std::vector<Row> unmeasured_rows(const std::vector<Column>& cols) {
  std::vector<Row> rows;
  for (const auto& r : requirement_catalogue()) {
    Row row{r, {}};
    if (!r.declared)
      for (const auto& c : cols) row.cells[c.id] = cell(Verdict::unavailable, c.reason);
    rows.push_back(std::move(row));
  }
  return rows;
}

Row& row_in(std::vector<Row>& rows, const std::string& id) {
  for (auto& r : rows)
    if (r.requirement.id == id) return r;
  throw std::runtime_error("no row " + id);
}

// A documented-cells document around one column's entry, for the refusals.
json doc_with(const std::string& runtime, const json& cells,
              const json& source = "kata-containers/kata-containers#10661") {
  return {{"columns", {{runtime, {{"summary", "what it is"}, {"source", source}, {"cells", cells}}}}}};
}

std::string refusal(const json& j) {
  SeedData s = shipped_seed();
  try {
    parse_documented(j, s);
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
    return e.what();
  }
  return "accepted";
}

const char* const kHotplugIssue = "kata-containers/kata-containers#10661";
const char* const kKataFsShare = "kata-containers/kata-containers:src/runtime/virtcontainers/fs_share_linux.go";
const char* const kKataFc = "kata-containers/kata-containers:src/runtime/virtcontainers/fc.go";
const char* const kFlintlockApi = "liquidmetal-dev/flintlock:api/services/microvm/v1alpha1/microvms.proto";

}  // namespace

TEST(DocumentedCells, FirecrackerUnderDockerIsRefusedByKata) {
  expect_claim("firecracker", "docker-in-docker", Verdict::no, "needs network device hotplug", kHotplugIssue);
  expect_claim("firecracker", "persistent-dind", Verdict::no, "no network device hotplug", kHotplugIssue);
  expect_claim("firecracker", "dynamic-networking", Verdict::no, "block-device hotplug only", kKataFc);
}

TEST(DocumentedCells, FirecrackerHasNoVirtioFsSoNoPersistentWorkspace) {
  expect_claim("firecracker", "persistent-workspace", Verdict::no, "writes never reach the host", kKataFsShare);
  expect_claim("firecracker", "persistent-workspace", Verdict::no, "no virtio-fs", kKataFc);
  expect_claim("firecracker", "bind-mounts", Verdict::partial, "copied into the guest", kKataFsShare);
}

TEST(DocumentedCells, FirecrackerNeedsKvmAndDevmapperSoBelongsOnContainerd) {
  const char* const kata_fc_howto =
      "kata-containers/kata-containers:docs/how-to/how-to-use-kata-containers-with-firecracker.md";
  expect_claim("firecracker", "host-requirements", Verdict::partial, "/dev/kvm", kata_fc_howto);
  expect_claim("firecracker", "host-requirements", Verdict::partial, "devmapper snapshotter", kata_fc_howto);
  const Documented& summary = shipped_seed().documented_column("firecracker")->summary;
  EXPECT_TRUE(has(summary.text, "containerd-backed plugin")) << summary.text;
  EXPECT_TRUE(has(summary.text, "measured kata-fc variant")) << summary.text;
  EXPECT_TRUE(cites(summary, kHotplugIssue));
}

TEST(DocumentedCells, FirecrackerIsAKvmGuestWithItsOwnKernel) {
  const char* const design = "firecracker-microvm/firecracker:docs/design.md";
  expect_claim("firecracker", "isolation", Verdict::yes, "own kernel", design);
  expect_claim("firecracker", "unprivileged", Verdict::yes, "jailer drops privileges", design);
  const char* const spec = "firecracker-microvm/firecracker:SPECIFICATION.md";
  expect_claim("firecracker", "boot-time", Verdict::yes, "<= 125 ms", spec);
  expect_claim("firecracker", "boot-time", Verdict::yes, "Kata's agent and the container start come on top", spec);
}

TEST(DocumentedCells, FlintlockSharesHostDirectoriesOnlyThroughCloudHypervisor) {
  const char* const types = "liquidmetal-dev/flintlock:api/types/microvm.proto";
  expect_claim("flintlock", "persistent-workspace", Verdict::partial, "Cloud Hypervisor provider", types);
  expect_claim("flintlock", "persistent-workspace", Verdict::partial, "the Firecracker provider has no virtio-fs",
               "liquidmetal-dev/flintlock:infrastructure/microvm/firecracker/provider.go");
  expect_claim("flintlock", "bind-mounts", Verdict::partial, "Cloud Hypervisor provider only", types);
  expect_claim("flintlock", "bind-mounts", Verdict::partial, "one virtio-fs host directory per microVM",
               "liquidmetal-dev/flintlock:pkg/validation/validate.go");
  expect_claim("flintlock", "isolation", Verdict::yes, "its own kernel", types);
  expect_claim("flintlock", "host-requirements", Verdict::partial, "devmapper snapshotter",
               "liquidmetal-dev/flintlock:userdocs/docs/getting-started/containerd.md");
}

TEST(DocumentedCells, FlintlockIsAMicroVmServiceForKubernetesNodes) {
  const Documented& summary = shipped_seed().documented_column("flintlock")->summary;
  EXPECT_TRUE(has(summary.text, "Kubernetes nodes")) << summary.text;
  EXPECT_TRUE(has(summary.text, "gRPC")) << summary.text;
  EXPECT_TRUE(has(summary.text, "no exec")) << summary.text;
  EXPECT_TRUE(has(summary.text, "docs/matrix.md")) << "the decision against a plugin is written there";
  EXPECT_TRUE(cites(summary, "liquidmetal-dev/flintlock:README.md"));
  EXPECT_TRUE(cites(summary, kFlintlockApi));
  const char* const no_updates = "liquidmetal-dev/flintlock:docs/adr/0234-update-api.md";
  expect_claim("flintlock", "docker-in-docker", Verdict::no, "no exec and no container API", kFlintlockApi);
  expect_claim("flintlock", "persistent-dind", Verdict::no, "no stop or start", kFlintlockApi);
  expect_claim("flintlock", "persistent-dind", Verdict::no, "re-creating it", no_updates);
  expect_claim("flintlock", "dynamic-networking", Verdict::no, "fixed at creation", no_updates);
}

TEST(DocumentedCells, OnlyTheSeedsColumnsWithoutAPluginAndEveryCellLinked) {
  const SeedData& s = shipped_seed();
  std::vector<std::string> ids;
  for (const auto& [rt, col] : s.documented) {
    ids.push_back(rt);
    ASSERT_NE(s.column(rt), nullptr) << rt;
    EXPECT_FALSE(s.column(rt)->plugin) << rt;
    for (const auto& src : col.summary.sources) EXPECT_FALSE(source_url(src).empty()) << src;
    for (const auto& [row, c] : col.cells) {
      EXPECT_FALSE(find_requirement(row)->declared) << rt << " " << row;
      EXPECT_NE(c.verdict, Verdict::unavailable) << rt << " " << row;
      EXPECT_FALSE(c.documented.text.empty()) << rt << " " << row;
      ASSERT_FALSE(c.documented.sources.empty()) << rt << " " << row;
      for (const auto& src : c.documented.sources) EXPECT_FALSE(source_url(src).empty()) << src;
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"firecracker", "flintlock"}));
}

TEST(DocumentedCells, SourcesBecomeLinks) {
  EXPECT_EQ(source_url(kHotplugIssue), "https://github.com/kata-containers/kata-containers/issues/10661");
  EXPECT_EQ(source_url("liquidmetal-dev/flintlock:docs/adr/0234-update-api.md"),
            "https://github.com/liquidmetal-dev/flintlock/blob/HEAD/docs/adr/0234-update-api.md");
  EXPECT_EQ(source_url("https://example.org/a"), "https://example.org/a");
  EXPECT_EQ(source_url("the Kata docs"), "");
  EXPECT_EQ(source_url("javascript:alert(1)"), "");
}

TEST(DocumentedCells, MalformedDocumentationIsRefusedNamingTheField) {
  const json ok_cell = {{"verdict", "no"}, {"text", "t"}, {"source", kHotplugIssue}};
  EXPECT_EQ(refusal(doc_with("firecracker", {{"docker-in-docker", ok_cell}})), "accepted");
  EXPECT_TRUE(has(refusal(doc_with("podman", json::object())), "columns.podman: not one of the seed's columns"));
  EXPECT_TRUE(has(refusal(doc_with("kata", json::object())), "columns.kata: moat has a plugin"));
  EXPECT_TRUE(has(refusal(doc_with("firecracker", {{"simple-api", ok_cell}})), "a declared row"));
  EXPECT_TRUE(has(refusal(doc_with("firecracker", {{"teleport", ok_cell}})), "not a row of the matrix"));
  json c = ok_cell;
  c["verdict"] = "unavailable";
  EXPECT_TRUE(has(refusal(doc_with("firecracker", {{"isolation", c}})), "cells.isolation.verdict"));
  c = ok_cell;
  c.erase("source");
  EXPECT_TRUE(has(refusal(doc_with("firecracker", {{"isolation", c}})), "missing \"source\""));
  c = ok_cell;
  c["source"] = json::array({kHotplugIssue, "the Kata docs"});
  EXPECT_TRUE(has(refusal(doc_with("firecracker", {{"isolation", c}})), "\"the Kata docs\" is not"));
  c = ok_cell;
  c["text"] = "";
  EXPECT_TRUE(has(refusal(doc_with("firecracker", {{"isolation", c}})), "cells.isolation.text"));
  EXPECT_TRUE(has(refusal(doc_with("firecracker", json::object(), json::array())), "columns.firecracker.source"));
}

TEST(DocumentedCells, ASeedWithoutItsDocumentationDoesNotLoad) {
  const moat::test::TempDir tmp("moat-documented");
  const fs::path& dir = tmp.path();
  fs::copy_file(MOAT_SEED_FILE, dir / "seed-matrix.json", fs::copy_options::overwrite_existing);
  try {
    load_seed(dir / "seed-matrix.json");
    ADD_FAILURE() << "loaded without documented-cells.json";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
    EXPECT_TRUE(has(e.what(), "documented-cells.json")) << e.what();
  }
  fs::copy_file(documented_file_for(MOAT_SEED_FILE), documented_file_for(dir / "seed-matrix.json"));
  EXPECT_EQ(load_seed(dir / "seed-matrix.json").documented.size(), shipped_seed().documented.size());
}

TEST(DocumentedCells, FillOnlyWhatCouldNotBeMeasured) {
  std::vector<Column> cols = plan_columns({"runc"}, shipped_seed(), {"firecracker", "flintlock", "runc"});
  auto rows = unmeasured_rows(cols);
  // This host has no /dev/kvm: a measurement, and it stands.
  row_in(rows, row::host_requirements).cells["firecracker"] = cell(Verdict::no, "this host lacks: /dev/kvm usable");
  fill_documented_cells(shipped_seed(), cols, rows);

  const Cell& dind = row_in(rows, row::docker_in_docker).cells.at("firecracker");
  EXPECT_EQ(dind.verdict, Verdict::no);
  ASSERT_TRUE(dind.documented);
  EXPECT_TRUE(has(dind.summary, "documented upstream, not measured")) << dind.summary;
  EXPECT_TRUE(has(dind.summary, kHotplugIssue)) << dind.summary;
  const Cell& host = row_in(rows, row::host_requirements).cells.at("firecracker");
  EXPECT_FALSE(host.documented);
  EXPECT_EQ(host.summary, "this host lacks: /dev/kvm usable");
  EXPECT_TRUE(row_in(rows, row::host_requirements).cells.at("flintlock").documented);
  // Nothing documented for Flintlock's boot: it stays "no moat plugin".
  EXPECT_FALSE(row_in(rows, row::boot_time).cells.at("flintlock").documented);
  // A runtime with a plugin is measured, never documented.
  EXPECT_FALSE(row_in(rows, row::docker_in_docker).cells.at("runc").documented);
}

TEST(DocumentedCells, APluginForTheColumnTakesItsPlace) {
  std::vector<Column> cols = plan_columns({"firecracker"}, shipped_seed(), {"firecracker"});
  ASSERT_TRUE(cols[0].has_plugin);
  EXPECT_FALSE(cols[0].documented);
  auto rows = unmeasured_rows(cols);
  fill_documented_cells(shipped_seed(), cols, rows);
  for (const auto& r : rows)
    for (const auto& [id, c] : r.cells) EXPECT_FALSE(c.documented) << r.requirement.id;
}

TEST(DocumentedCells, NeverADisagreementWithTheSeed) {
  std::vector<Column> cols = plan_columns({}, shipped_seed(), {"firecracker", "flintlock"});
  auto rows = unmeasured_rows(cols);
  fill_documented_cells(shipped_seed(), cols, rows);
  const auto d = compare_with_seed(shipped_seed(), cols, rows);
  EXPECT_TRUE(d.empty()) << d.size() << " disagreement(s), first: " << (d.empty() ? "" : d[0].note);
  // The seed writes ⚠️ where upstream documents ❌: the cell keeps both, as facts.
  const Cell& dind = row_in(rows, row::docker_in_docker).cells.at("firecracker");
  EXPECT_EQ(dind.seed, Verdict::partial);
  EXPECT_EQ(dind.verdict, Verdict::no);
  EXPECT_TRUE(dind.note.empty());
}

TEST(DocumentedCells, NeverAPassInTheRecommendation) {
  std::vector<Column> cols = plan_columns({"runc"}, shipped_seed(), {"firecracker", "runc"});
  auto rows = unmeasured_rows(cols);
  fill_documented_cells(shipped_seed(), cols, rows);
  ASSERT_EQ(row_in(rows, row::isolation).cells.at("firecracker").verdict, Verdict::yes);
  ASSERT_EQ(row_in(rows, row::unprivileged).cells.at("firecracker").verdict, Verdict::yes);
  row_in(rows, row::isolation).cells["runc"] = cell(Verdict::partial, "host kernel");
  row_in(rows, row::unprivileged).cells["runc"] = cell(Verdict::yes);

  const Recommendation r = recommend(cols, rows, {row::isolation, row::unprivileged});
  EXPECT_TRUE(r.ranked.empty()) << "documented ✅ counted as a measured pass";
  auto fc =
      std::find_if(r.ruled_out.begin(), r.ruled_out.end(), [](const RuledOut& o) { return o.column == "firecracker"; });
  ASSERT_NE(fc, r.ruled_out.end());
  ASSERT_EQ(fc->failures.size(), 2U);
  for (const auto& f : fc->failures) {
    EXPECT_EQ(f.verdict, Verdict::unavailable) << f.requirement;
    EXPECT_TRUE(has(f.evidence, "documented upstream, not measured")) << f.evidence;
  }
  EXPECT_TRUE(has(r.text, "Closest: runc")) << r.text;
  EXPECT_TRUE(has(r.text, "Unavailable here: firecracker")) << r.text;
}

TEST(DocumentedCells, EveryClaimIsInTheUpstreamClaimsTable) {
  std::ifstream in(MOAT_UPSTREAM_CLAIMS);
  ASSERT_TRUE(in) << MOAT_UPSTREAM_CLAIMS;
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string table = buf.str();
  for (const auto& [rt, col] : shipped_seed().documented) {
    for (const auto& src : col.summary.sources) EXPECT_TRUE(has(table, src)) << rt << ": " << src;
    for (const auto& [row, c] : col.cells) {
      EXPECT_TRUE(has(table, "`" + rt + "` · `" + row + "`")) << "no claim row for " << rt << " " << row;
      for (const auto& src : c.documented.sources) EXPECT_TRUE(has(table, src)) << rt << " " << row << ": " << src;
    }
  }
}
