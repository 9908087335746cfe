// The renderings: the JSON document is what the HTML report's matrix
// section reads; Markdown has the table and the evidence; short cell texts.
#include "matrix_test_support.hpp"

#include <moat/bench/report/html_writer.hpp>
#include <moat/bench/report/matrix_view.hpp>
#include <moat/matrix/recommendation.hpp>
#include <moat/matrix/render.hpp>
#include <moat/matrix/requirements.hpp>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::cell;
using moat::matrix_test::column;

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
  moat::bench::HtmlOptions o;
  o.matrix = to_json(sample_report());
  // Only the section is checked here; the report library tests the rest.
  moat::bench::Results results;
  results.manifest.run_id = "r";
  results.complete = true;
  const std::string html = moat::bench::render_html(moat::bench::analyze(results), o);
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
}
