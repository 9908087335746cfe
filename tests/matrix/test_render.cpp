// The renderings: the JSON document is what the HTML report's matrix
// section reads; Markdown has the table and the evidence; short cell texts.
#include "matrix_test_support.hpp"

#include <moat/bench/report/html_writer.hpp>
#include <moat/bench/report/matrix_view.hpp>
#include <moat/error.hpp>
#include <moat/matrix/columns.hpp>
#include <moat/matrix/recommendation.hpp>
#include <moat/matrix/render.hpp>
#include <moat/matrix/requirements.hpp>
#include <moat/matrix/seed_comparison.hpp>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::cell;
using moat::matrix_test::column;
using moat::matrix_test::shipped_seed;

namespace {

MatrixReport sample_report() {
  MatrixReport r;
  r.run_id = "mx-test";
  r.host = {{"kernel", "6.1.0"}, {"os", "Debian"}};
  r.columns = {column("runc"),
               column("sysbox", false, "runtime 'sysbox-runc' is not registered with the Docker engine")};
  r.columns[0].version = "1.1.5";
  Row dind{*find_requirement(row::docker_in_docker), {}};
  Cell no = cell(Verdict::no, "without a DinD mode the inner dockerd does not start: iptables | denied");
  Step s;
  s.kind = "exec";
  s.what = "exec in x: /bin/sh -c ...";
  s.exit_code = 1;
  s.err = "permission denied";
  s.ok = false;
  no.steps.push_back(s);
  dind.cells["runc"] = no;
  Cell na = cell(Verdict::unavailable, r.columns[1].reason);
  na.seed = Verdict::yes;
  na.seed_text = "✅";
  dind.cells["sysbox"] = na;
  Row boot{*find_requirement(row::boot_time), {}};
  Cell b = cell(Verdict::yes, "0.62 s");
  b.value_ms = 620;
  boot.cells["runc"] = b;
  Row ops{*find_requirement(row::low_ops_complexity), {}};
  Cell decl = cell(Verdict::partial, "declared by the seed");
  decl.declared = true;
  ops.cells["sysbox"] = decl;
  r.rows = {dind, boot, ops};
  r.recommendation = recommend(r.columns, r.rows, {"docker-in-docker"});
  return r;
}

// The Firecracker column as a run without its plugin leaves it, then documented.
MatrixReport documented_report() {
  MatrixReport r;
  r.run_id = "mx-doc";
  r.host = {{"kernel", "6.1.0"}};
  r.columns = plan_columns({}, shipped_seed(), {"firecracker"});
  Row dind{*find_requirement(row::docker_in_docker), {}};
  dind.cells["firecracker"] = cell(Verdict::unavailable, r.columns[0].reason);
  r.rows = {dind};
  fill_documented_cells(shipped_seed(), r.columns, r.rows);
  r.disagreements = compare_with_seed(shipped_seed(), r.columns, r.rows);
  r.recommendation = recommend(r.columns, r.rows, {row::docker_in_docker});
  return r;
}

std::string html_of(const nlohmann::json& matrix) {
  moat::bench::HtmlOptions o;
  o.matrix = matrix;
  moat::bench::Results results;
  results.manifest.run_id = "r";
  results.complete = true;
  return moat::bench::render_html(moat::bench::analyze(results), o);
}

constexpr const char* kIssueUrl = "https://github.com/kata-containers/kata-containers/issues/10661";

}  // namespace

TEST(Render, JsonDocumentIsWhatTheHtmlMatrixSectionReads) {
  const nlohmann::json doc = to_json(sample_report());
  const moat::bench::MatrixView view = moat::bench::parse_matrix(doc);
  ASSERT_EQ(view.runtimes.size(), 2U);
  EXPECT_EQ(view.runtimes[1].id, "sysbox");
  EXPECT_FALSE(view.runtimes[1].available);
  EXPECT_NE(view.runtimes[1].reason.find("sysbox-runc"), std::string::npos);
  ASSERT_EQ(view.rows.size(), 3U);
  EXPECT_EQ(view.rows[0].id, "docker-in-docker");
  EXPECT_EQ(view.rows[0].cells.at("runc").verdict, moat::bench::Verdict::no);
  EXPECT_EQ(view.rows[0].cells.at("sysbox").seed, moat::bench::Verdict::yes);
  EXPECT_TRUE(view.rows[2].declared);
  EXPECT_FALSE(view.recommendation.empty());
  // The evidence keeps the commands and their output.
  const auto& steps = doc["rows"][0]["cells"]["runc"]["evidence"]["steps"];
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0]["exit_code"], 1);
  EXPECT_EQ(steps[0]["stderr"], "permission denied");
  EXPECT_EQ(doc["rows"][1]["cells"]["runc"]["value_ms"], 620);
  EXPECT_EQ(doc["kind"], "moat-matrix");
  EXPECT_EQ(doc["schema_version"], kMatrixSchemaVersion);
}

TEST(Render, HtmlReportRendersTheMatrixSection) {
  // Only the section is checked here; the report library tests the rest.
  const std::string html = html_of(to_json(sample_report()));
  EXPECT_NE(html.find("<section id=\"matrix\">"), std::string::npos);
  EXPECT_NE(html.find("data-verdict=\"no\""), std::string::npos);
}

TEST(Render, MarkdownHasTheTableRecommendationAndEvidence) {
  const std::string md = to_markdown(sample_report());
  EXPECT_NE(md.find("| Requirement | runc | sysbox |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Docker-in-Docker | ❌ | n/a — not installed |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Boot time | ✅ 0.62 s | - |"), std::string::npos) << md;
  EXPECT_NE(md.find("Low Ops Complexity *(declared)*"), std::string::npos) << md;
  EXPECT_NE(md.find("## Recommendation"), std::string::npos);
  EXPECT_NE(md.find("iptables \\| denied"), std::string::npos) << "a '|' in evidence must not break the table";
  EXPECT_NE(md.find("→ exit 1"), std::string::npos) << md;
}

TEST(Render, CellTexts) {
  const MatrixReport r = sample_report();
  EXPECT_EQ(cell_text(nullptr, r.columns[0]), "-");
  EXPECT_EQ(cell_text(r.cell("docker-in-docker", "sysbox"), r.columns[1]), "n/a — not installed");
  Cell disagree = cell(Verdict::no);
  disagree.seed_text = "✅";
  disagree.note = "seed says ✅, measured ❌";
  EXPECT_EQ(cell_text(&disagree, r.columns[0]), "❌ (seed ✅)");
  Column fc = column("firecracker", false, "no moat plugin for Firecracker (the seed's column only)");
  fc.has_plugin = false;
  EXPECT_EQ(short_reason(fc), "no moat plugin");
  Column odd = column("x", false, "something odd happened somewhere deep: details");
  EXPECT_EQ(short_reason(odd), "something odd happened somew…");
  Column kata = column("kata-clh", false,
                       "kata-clh is not usable here: Docker 20.10.24+dfsg1 cannot run Kata 2+, a containerd shim (...)");
  EXPECT_EQ(short_reason(kata), "Docker < 23: no Kata 2+");
  Column shim = column("kata", false, "kata is not usable here: the registered shim /x is not an executable file");
  EXPECT_EQ(short_reason(shim), "the registered shim /x is no…");
}

TEST(Render, DocumentedCellsSayWhatUpstreamDocumentsAndWhere) {
  const MatrixReport r = documented_report();
  // The seed wrote ⚠️ for Firecracker's Docker-in-Docker.
  EXPECT_EQ(cell_text(r.cell(row::docker_in_docker, "firecracker"), r.columns[0]), "documented ❌ (seed ⚠️)");
  EXPECT_TRUE(r.disagreements.empty());

  const std::string md = to_markdown(r);
  EXPECT_NE(
      md.find(
          "| Docker-in-Docker | documented ❌ (seed ⚠️): under Docker, Kata refuses every Firecracker container"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("[kata-containers/kata-containers#10661](" + std::string(kIssueUrl) + ")"), std::string::npos)
      << md;
  EXPECT_EQ(md.find("n/a — no moat plugin"), std::string::npos) << md;
  EXPECT_NE(md.find("documented: what upstream documents, with its source, not measured"), std::string::npos) << md;

  const nlohmann::json doc = to_json(r);
  const auto& c = doc["rows"][0]["cells"]["firecracker"];
  EXPECT_EQ(c["verdict"], "no");
  EXPECT_EQ(c["documented"]["sources"][0]["ref"], "kata-containers/kata-containers#10661");
  EXPECT_EQ(c["documented"]["sources"][0]["url"], kIssueUrl);
  EXPECT_NE(doc["runtimes"][0]["documented"]["text"].get<std::string>().find("kata-fc"), std::string::npos);

  const moat::bench::MatrixView view = moat::bench::parse_matrix(doc);
  const moat::bench::MatrixCell& vc = view.rows[0].cells.at("firecracker");
  EXPECT_NE(vc.documented.find("needs network device hotplug"), std::string::npos) << vc.documented;
  ASSERT_FALSE(vc.sources.empty());
  EXPECT_EQ(vc.sources[0].url, kIssueUrl);

  const std::string html = html_of(doc);
  EXPECT_NE(html.find("data-documented=\"true\""), std::string::npos);
  EXPECT_NE(html.find("documented, not measured: under Docker, Kata refuses"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"" + std::string(kIssueUrl) + "\">kata-containers/kata-containers#10661</a>"),
            std::string::npos);
}

TEST(Render, HtmlLinksOnlyWebSourcesAndRefusesADocumentedCellWithoutOne) {
  nlohmann::json m = {
      {"runtimes", {"fc"}},
      {"rows",
       {{{"id", "isolation"},
         {"cells",
          {{"fc",
            {{"verdict", "yes"},
             {"documented",
              {{"text", "own kernel"}, {"sources", {{{"ref", "x"}, {"url", "javascript:alert(1)"}}}}}}}}}}}}}};
  const std::string html = html_of(m);
  EXPECT_NE(html.find("documented, not measured: own kernel (x)"), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  m["rows"][0]["cells"]["fc"]["documented"]["sources"] = nlohmann::json::array();
  try {
    moat::bench::parse_matrix(m);
    FAIL() << "a documented cell without a source was accepted";
  } catch (const moat::Error& e) {
    EXPECT_NE(std::string(e.what()).find("matrix.rows[0].cells.fc.documented.sources"), std::string::npos) << e.what();
  }
}
