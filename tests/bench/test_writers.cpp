// The writers: terminal table, Markdown, CSV and the self-contained HTML.
#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/csv_writer.hpp>
#include <moat/bench/report/html_writer.hpp>
#include <moat/bench/report/markdown_writer.hpp>
#include <moat/bench/report/matrix_view.hpp>
#include <moat/bench/report/table_writer.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <regex>
#include <sstream>

using namespace moat::bench;
using moat::bench::testing::sample_matrix;
using moat::bench::testing::synthetic_results;

namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(l);
  }
  return out;
}

// RFC 4180 fields of one line (quotes, doubled quotes, commas inside quotes).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> f(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        f.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        f.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      f.emplace_back();
    } else {
      f.back() += c;
    }
  }
  return f;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(TableWriter, ColumnsAndMarks) {
  const Analysis a = analyze(synthetic_results(5));
  const std::string t = render_table(a);
  const std::vector<std::string> ls = lines(t);
  auto header = std::find_if(ls.begin(), ls.end(), [](const std::string& l) { return l.rfind("SCENARIO", 0) == 0; });
  ASSERT_NE(header, ls.end()) << t;
  for (const char* col : {"METRIC", "RUNTIME", "N", "MEDIAN", "P95", "COV", "RATIO [95% CI]", "ERRORS", "FLAGS"}) {
    EXPECT_NE(header->find(col), std::string::npos) << col;
  }
  // Columns are aligned: every data row starts its RUNTIME column at the same offset.
  const std::size_t runtime_col = header->find("RUNTIME");
  for (auto it = header + 2; it != ls.end() && !it->empty(); ++it) {
    EXPECT_TRUE((*it)[runtime_col - 1] == ' ' && (*it)[runtime_col] != ' ') << *it;
  }
  EXPECT_NE(t.find("baseline"), std::string::npos);
  EXPECT_NE(t.find("noisy"), std::string::npos);
  EXPECT_NE(t.find("2/15 (13.3%)"), std::string::npos);
  EXPECT_NE(t.find("not supported"), std::string::npos);
  EXPECT_NE(t.find("Devices cgroup"), std::string::npos);
  EXPECT_TRUE(std::regex_search(t, std::regex(R"(\d\.\d+x \[\d\.\d+, \d\.\d+\])"))) << "ratio [CI] column";
  EXPECT_NE(t.find("B = 2000"), std::string::npos);
  EXPECT_EQ(t.find("\x1b["), std::string::npos) << "no colour unless asked";
  EXPECT_NE(render_table(a, {.color = true}).find("\x1b[33m"), std::string::npos);
}

TEST(MarkdownWriter, TablesPerScenario) {
  const std::string md = render_markdown(analyze(synthetic_results(5)));
  EXPECT_NE(md.find("## boot (baseline: runc)"), std::string::npos);
  EXPECT_NE(md.find("## io (baseline: host)"), std::string::npos);
  EXPECT_NE(md.find("| metric | runtime | n | median | 95% CI of median | p95 | CoV | ratio [95% CI] |"),
            std::string::npos);
  EXPECT_NE(md.find("⚠️ noisy"), std::string::npos);
  EXPECT_NE(md.find("**gvisor**: not supported"), std::string::npos);
  EXPECT_NE(md.find("## How measured"), std::string::npos);
}

TEST(CsvWriter, SummaryColumnsAndRows) {
  const Analysis a = analyze(synthetic_results(5));
  const std::vector<std::string> ls = lines(render_summary_csv(a));
  ASSERT_EQ(ls.size(), a.summaries.size() + 1);
  EXPECT_EQ(csv_fields(ls[0]), summary_csv_columns());
  const auto& cols = summary_csv_columns();
  const auto col = [&](const char* name) {
    return static_cast<std::size_t>(std::find(cols.begin(), cols.end(), name) - cols.begin());
  };
  for (std::size_t i = 1; i < ls.size(); ++i) {
    const auto f = csv_fields(ls[i]);
    ASSERT_EQ(f.size(), cols.size()) << ls[i];
    EXPECT_EQ(f[col("run_id")], "run-test-0001");
  }
  // A row's numbers read back exactly.
  const auto f = csv_fields(ls[1]);
  EXPECT_EQ(std::stod(f[col("median")]), a.summaries[0].stats->median);
  EXPECT_EQ(f[col("ratio")], "1");  // baseline row
}

TEST(CsvWriter, RawSamples) {
  Results r = synthetic_results(5);
  r.samples[0].ok = false;
  r.samples[0].value.reset();
  r.samples[0].error = "failed, with \"quotes\" and a comma";
  const std::vector<std::string> ls = lines(render_samples_csv(r));
  ASSERT_EQ(ls.size(), r.samples.size() + 1);
  EXPECT_EQ(csv_fields(ls[0]), samples_csv_columns());
  const auto f = csv_fields(ls[1]);
  ASSERT_EQ(f.size(), samples_csv_columns().size());
  EXPECT_EQ(f[7], "");  // value
  EXPECT_EQ(f[8], "false");
  EXPECT_EQ(f[9], r.samples[0].error);
}

TEST(HtmlWriter, SelfContainedWithCharts) {
  const Analysis a = analyze(synthetic_results(5));
  HtmlOptions o;
  o.matrix = sample_matrix();
  const std::string html = render_html(a, o);

  // Nothing is fetched: no URLs, scripts, stylesheets, fonts or images by reference.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  const std::regex href(R"re(href="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ((*it)[1].str().front(), '#') << "only in-page links: " << (*it)[1];
  }

  // One bar chart per metric, the boot phases, one ratio chart per scenario with a baseline.
  EXPECT_EQ(count(html, "data-chart=\"bars\""), a.metrics.size());
  EXPECT_EQ(count(html, "data-chart=\"boot-phases\""), 1u);
  EXPECT_EQ(count(html, "data-chart=\"ratios\""), 3u);  // boot, io, cpu
  EXPECT_EQ(count(html, "<svg class=\"moat-chart\""), a.metrics.size() + 1 + 3);
  EXPECT_NE(html.find("data-metric=\"seqread-1m.rootfs.bw\""), std::string::npos);
  EXPECT_EQ(count(html, "<rect class=\"segment\""), 2u * 6);  // 2 runtimes x 6 phases
  EXPECT_GE(count(html, "class=\"whisker\""), a.summaries.size());
  EXPECT_GE(count(html, "<rect class=\"bar"), a.summaries.size());

  // The manifest and how it was measured.
  for (const char* s : {"bench-host", "6.1.0-21-amd64", "20.10.24", "runsc-nonet", "--network=none", "sha256:5f2c",
                        "B = 2000", "seed 5", "warm-up", "type-7"}) {
    EXPECT_NE(html.find(s), std::string::npos) << s;
  }

  // The matrix section.
  EXPECT_NE(html.find("id=\"matrix\""), std::string::npos);
  EXPECT_EQ(count(html, "<td class=\"verdict "), 9u);
  for (const char* icon : {"✅", "⚠️", "❌", "➖"}) EXPECT_NE(html.find(icon), std::string::npos) << icon;
  EXPECT_NE(html.find("seed said ❌ no"), std::string::npos);
  EXPECT_NE(html.find("Devices cgroup isn&#39;t mounted"), std::string::npos);
  EXPECT_NE(html.find("(declared, not measured)"), std::string::npos);
}

TEST(HtmlWriter, EscapesEverythingFromTheResults) {
  Results r = synthetic_results(5);
  r.unsupported[0].reason = "<img src=x onerror=alert(1)> & \"quotes\"";
  r.manifest.host.hostname = "<b>host</b>";
  const std::string html = render_html(analyze(r));
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>host"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;"), std::string::npos);
}

TEST(HtmlWriter, WithoutMatrixAndWithBadMatrix) {
  const Analysis a = analyze(synthetic_results(5));
  EXPECT_EQ(render_html(a).find("id=\"matrix\""), std::string::npos);
  HtmlOptions o;
  o.matrix = nlohmann::json{{"runtimes", {"runc"}}, {"rows", {{{"id", "x"}, {"cells", {{"runc", "maybe"}}}}}}};
  try {
    render_html(a, o);
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_NE(std::string(e.what()).find("matrix.rows[0].cells.runc"), std::string::npos) << e.what();
  }
  o.matrix = nlohmann::json{{"rows", nlohmann::json::array()}};
  EXPECT_THROW(render_html(a, o), moat::Error);
}

TEST(MatrixView, AcceptsArrayCellsAndColumnsAlias) {
  const MatrixView m = parse_matrix(nlohmann::json::parse(R"({
    "columns": ["runc", "gvisor"],
    "rows": [{"requirement": "unprivileged", "cells": ["yes", {"verdict": "partial", "note": "no CAP_SYS_ADMIN"}]}]
  })"));
  ASSERT_EQ(m.runtimes.size(), 2u);
  ASSERT_EQ(m.rows.size(), 1u);
  EXPECT_EQ(m.rows[0].id, "unprivileged");
  EXPECT_EQ(m.rows[0].label, "unprivileged");
  EXPECT_EQ(m.rows[0].cells.at("runc").verdict, Verdict::yes);
  EXPECT_EQ(m.rows[0].cells.at("gvisor").verdict, Verdict::partial);
  EXPECT_EQ(m.rows[0].cells.at("gvisor").note, "no CAP_SYS_ADMIN");
}

TEST(HtmlWriter, NoDataStillRendersCharts) {
  Results r = synthetic_results(5);
  for (Sample& s : r.samples) {
    if (s.runtime == "gvisor" && s.scenario == "cpu") {
      s.ok = false;
      s.value.reset();
      s.error = "crashed";
    }
  }
  const std::string html = render_html(analyze(r));
  EXPECT_NE(html.find("no successful samples"), std::string::npos);
}
