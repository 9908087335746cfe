#include <moat/bench/report/html_writer.hpp>

#include <moat/bench/report/matrix_view.hpp>

#include "describe_run.hpp"
#include "format.hpp"
#include "svg_charts.hpp"

#include <algorithm>
#include <set>

namespace moat::bench {

using detail::html_escape;
using detail::num;

namespace {

// No url(), @import or font files: the report must render offline.
constexpr const char* kStyle = R"CSS(
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1d2330;
  max-width:1120px;margin:1.5rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #e3e6ea;padding-bottom:.2rem}
h3{margin:1.4rem 0 .3rem;font-size:1.05rem}
.sub{color:#56606b;margin-top:0}.muted{color:#6b7480}
.warn{background:#fff4d6;border:1px solid #e9c46a;padding:.5rem .8rem;border-radius:4px}
.method{background:#f5f7f9;border:1px solid #e3e6ea;padding:.6rem 1rem;border-radius:4px}
.method ul{margin:.2rem 0;padding-left:1.2rem}
table{border-collapse:collapse;font-size:.88rem;margin:.4rem 0 1rem}
th,td{padding:.25rem .55rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#f5f7f9;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.baseline td{color:#3d4752;font-style:italic}tr.noisy td{background:#fff8e1}tr.failed td{background:#fdecea}
.flag{display:inline-block;font-size:.75rem;padding:0 .35rem;border-radius:3px;background:#eef1f4;margin-right:.2rem}
.flag.noisy{background:#ffe8b0}.flag.err{background:#f8c9c4}
figure.moat-figure{margin:.4rem 0 1rem}figcaption{font-size:.8rem;color:#56606b;max-width:780px}
svg.moat-chart{display:block;max-width:100%;height:auto}
svg.moat-chart text{font-size:12px;fill:#1d2330;font-family:inherit}
svg.moat-chart text.tick,svg.moat-chart text.unit{fill:#56606b;font-size:11px}
svg.moat-chart text.nodata{fill:#b3261e;font-style:italic}
table.matrix td,table.matrix th{text-align:center}table.matrix td:first-child,table.matrix th:first-child{text-align:left}
td.verdict.yes{background:#e7f6ea}td.verdict.partial{background:#fff4d6}td.verdict.no{background:#fdecea}
td.verdict.unavailable{background:#eef1f4;color:#56606b}
td.verdict.documented{outline:1px dashed #8a94a0;outline-offset:-3px}div.documented{font-size:.75rem;text-align:left}
td.verdict details{font-size:.75rem;text-align:left}td.verdict pre{white-space:pre-wrap;max-width:28rem;margin:.2rem 0}
.seed{font-size:.75rem;color:#56606b}
pre.json{background:#f5f7f9;padding:.6rem;border-radius:4px;overflow:auto;font-size:.8rem}
nav ul{display:flex;flex-wrap:wrap;gap:.2rem 1rem;padding:0;list-style:none}
)CSS";

std::string attr(const std::string& name, const std::string& value) { return name + "=\"" + html_escape(value) + "\""; }

class IdMaker {
 public:
  std::string make(const std::string& base) {
    std::string id = detail::slug(base);
    std::string candidate = id;
    for (int i = 2; !used_.insert(candidate).second; ++i) candidate = id + "-" + std::to_string(i);
    return candidate;
  }

 private:
  std::set<std::string> used_;
};

std::string bar_tooltip(const MetricSummary& s, const Analysis& a) {
  if (!s.stats) return s.runtime + " " + s.metric + ": no successful samples";
  std::string t =
      s.runtime + " " + s.scenario + "/" + s.metric + ": median " + detail::with_unit(s.stats->median, s.unit);
  if (s.median_ci) {
    t += ", " + detail::param_percent(s.median_ci->confidence) + " CI [" + num(s.median_ci->lower) + ", " +
         num(s.median_ci->upper) + "] (bootstrap B=" + std::to_string(s.median_ci->resamples) + ")";
  }
  t += ", p95 " + num(s.stats->p95) + ", CoV " + detail::percent(s.stats->cov) + ", n=" + std::to_string(s.n_ok) +
       " (+" + std::to_string(s.n_warmup) + " warm-up excluded)";
  if (s.n_failed) t += ", " + std::to_string(s.n_failed) + " failed";
  return t;
}

int assess(const MetricSummary& s) {
  if (!s.ratio) return 0;
  const bool above = s.ratio->lower > 1;
  const bool below = s.ratio->upper < 1;
  if (!above && !below) return 0;
  const bool bigger_is_bad = s.direction == Direction::lower_is_better;
  return (above == bigger_is_bad) ? 1 : -1;
}

std::string summary_table(const Analysis& a, const std::string& scenario) {
  std::string out =
      "<table class=\"summary\"><thead><tr><th>metric</th><th>runtime</th><th>n</th><th>median</th>"
      "<th>95% CI of median</th><th>p95</th><th>min – max</th><th>CoV</th><th>ratio to baseline [95% CI]</th>"
      "<th>errors</th><th>rank</th><th>flags</th></tr></thead><tbody>";
  for (const MetricSummary& s : a.summaries) {
    if (s.scenario != scenario) continue;
    std::string cls;
    if (s.is_baseline) cls += " baseline";
    if (s.noisy) cls += " noisy";
    if (!s.stats) cls += " failed";
    const bool have = s.stats.has_value();
    std::string flags;
    if (!have) flags += "<span class=\"flag err\">no data</span>";
    if (have && s.noisy) flags += "<span class=\"flag noisy\">noisy</span>";
    if (have && !s.stats->outliers.empty()) {
      flags += "<span class=\"flag\">" + std::to_string(s.stats->outliers.size()) + " outlier" +
               (s.stats->outliers.size() == 1 ? "" : "s") + "</span>";
    }
    if (s.n_failed) flags += "<span class=\"flag err\">errors</span>";
    std::string err_title;
    for (const auto& [msg, count] : s.errors) err_title += std::to_string(count) + "x " + msg + "\n";
    out += "<tr class=\"" + html_escape(cls) + "\"><td>" + html_escape(s.metric) + "</td><td>" +
           html_escape(s.runtime) + "</td><td class=\"num\">" + std::to_string(s.n_ok) + "</td>";
    out += "<td class=\"num\" " + attr("title", bar_tooltip(s, a)) + ">" +
           (have ? html_escape(detail::with_unit(s.stats->median, s.unit)) : "—") + "</td>";
    out += "<td class=\"num\">" +
           (s.median_ci ? "[" + html_escape(num(s.median_ci->lower)) + ", " + html_escape(num(s.median_ci->upper)) + "]"
                        : std::string("—")) +
           "</td>";
    out += "<td class=\"num\">" + (have ? html_escape(num(s.stats->p95)) : "—") + "</td>";
    out += "<td class=\"num\">" +
           (have ? html_escape(num(s.stats->min)) + " – " + html_escape(num(s.stats->max)) : std::string("—")) +
           "</td>";
    out += "<td class=\"num\">" + (have ? html_escape(detail::percent(s.stats->cov)) : "—") + "</td>";
    out += "<td class=\"num\"" + (s.ratio_note.empty() ? std::string() : " " + attr("title", s.ratio_note)) + ">" +
           html_escape(detail::ratio_cell(s)) + "</td>";
    out += "<td class=\"num\"" + (err_title.empty() ? std::string() : " " + attr("title", err_title)) + ">" +
           html_escape(detail::errors_text(s)) + "</td>";
    out += "<td class=\"num\">" + (s.rank ? std::to_string(*s.rank) : std::string("—")) + "</td>";
    out += "<td>" + flags + "</td></tr>";
  }
  return out + "</tbody></table>";
}

std::string boot_phase_figure(const Analysis& a, const HtmlOptions& o, IdMaker& ids) {
  std::vector<std::string> phases;
  for (const std::string& p : o.boot_phases) {
    for (const MetricInfo& m : a.metrics) {
      if (m.scenario == o.boot_scenario && m.metric == p) phases.push_back(p);
    }
  }
  if (phases.empty()) return {};
  std::vector<std::string> runtimes;
  for (const MetricSummary& s : a.summaries) {
    if (s.scenario == o.boot_scenario && std::find(phases.begin(), phases.end(), s.metric) != phases.end() &&
        std::find(runtimes.begin(), runtimes.end(), s.runtime) == runtimes.end()) {
      runtimes.push_back(s.runtime);
    }
  }
  std::string unit;
  std::vector<detail::StackRow> rows;
  for (const std::string& rt : runtimes) {
    detail::StackRow row;
    row.label = rt;
    std::string missing;
    for (const std::string& p : phases) {
      const MetricSummary* s = a.find(o.boot_scenario, p, rt);
      if (s != nullptr && s->stats) {
        row.segments.emplace_back(p, s->stats->median);
        if (unit.empty()) unit = s->unit;
      } else {
        missing += " " + p;
      }
    }
    if (const MetricSummary* t = a.find(o.boot_scenario, "total", rt); t != nullptr && t->stats) {
      row.total = t->stats->median;
    }
    row.tooltip = rt + ": sum of phase medians" + (missing.empty() ? "" : "; missing:" + missing);
    rows.push_back(std::move(row));
  }
  const std::string id = ids.make("chart-boot-phases");
  return "<figure class=\"moat-figure\" " + attr("id", id) + ">" +
         detail::stacked_chart(attr("data-scenario", o.boot_scenario), rows, phases, unit) +
         "<figcaption>Boot phases per runtime: each segment is the median of that phase over the successful measured "
         "runs; segments are stacked, so the bar is the sum of the phase medians (not the median of the sums). The "
         "black mark is the median of the separately measured <code>total</code> where there is one.</figcaption>"
         "</figure>";
}

std::string ratio_figure(const Analysis& a, const std::string& scenario, IdMaker& ids) {
  std::vector<detail::RatioDatum> rows;
  for (const MetricSummary& s : a.summaries) {
    if (s.scenario != scenario || !s.ratio) continue;
    detail::RatioDatum d;
    d.label = s.runtime + " · " + s.metric;
    d.ratio = s.ratio->estimate;
    d.lo = s.ratio->lower;
    d.hi = s.ratio->upper;
    d.assessment = assess(s);
    d.value_text = detail::ratio_text(*s.ratio) + (s.noisy ? " (noisy)" : "");
    d.tooltip = s.runtime + " " + s.metric + ": median / " + s.baseline + " median = " + detail::ratio_text(*s.ratio) +
                " (" + (s.direction == Direction::lower_is_better ? "lower" : "higher") + " is better)";
    rows.push_back(std::move(d));
  }
  if (rows.empty()) return {};
  const std::string id = ids.make("chart-ratios-" + scenario);
  return "<figure class=\"moat-figure\" " + attr("id", id) + ">" +
         detail::ratio_chart(attr("data-scenario", scenario), rows) +
         "<figcaption>Ratio of each runtime's median to the " + html_escape(a.baseline_for(scenario)) +
         " median (log scale; dashed line = 1, the baseline). Whiskers: " +
         detail::param_percent(a.options.confidence) +
         " percentile-bootstrap CI of the ratio. Red: CI entirely on the worse side, green: entirely on the better "
         "side, grey: the CI includes 1.</figcaption></figure>";
}

std::string metric_figure(const Analysis& a, const MetricInfo& m, IdMaker& ids) {
  std::vector<detail::BarDatum> rows;
  for (const MetricSummary* s : a.for_metric(m.scenario, m.metric)) {
    detail::BarDatum d;
    d.label = s->runtime;
    d.baseline = s->is_baseline;
    d.noisy = s->noisy;
    if (s->stats) {
      d.value = s->stats->median;
      if (s->median_ci) {
        d.lo = s->median_ci->lower;
        d.hi = s->median_ci->upper;
      }
      d.value_text = detail::with_unit(s->stats->median, s->unit) + (s->noisy ? " (noisy)" : "");
    } else {
      d.value_text = "no successful samples (" + detail::errors_text(*s) + " failed)";
    }
    d.tooltip = bar_tooltip(*s, a);
    rows.push_back(std::move(d));
  }
  if (rows.empty()) return {};
  const std::string id = ids.make("chart-" + m.scenario + "-" + m.metric);
  return "<figure class=\"moat-figure\" " + attr("id", id) + ">" +
         detail::bar_chart(attr("data-scenario", m.scenario) + " " + attr("data-metric", m.metric), rows, m.unit) +
         "<figcaption>Bars: median of the successful measured runs (warm-ups excluded); whiskers: " +
         detail::param_percent(a.options.confidence) +
         " percentile-bootstrap CI of the median (B = " + std::to_string(a.options.bootstrap_resamples) +
         "). Grey: the baseline (" + html_escape(a.baseline_for(m.scenario)) + "). Dashed outline: noisy (CoV &gt; " +
         detail::param_percent(a.options.noisy_cov) + "). " +
         (m.direction == Direction::lower_is_better ? "Lower" : "Higher") + " is better.</figcaption></figure>";
}

// Only web links become links: a source is data from a file, not markup.
std::string sources_html(const std::vector<MatrixSource>& sources) {
  std::string out;
  for (const MatrixSource& s : sources) {
    const bool link = s.url.rfind("https://", 0) == 0 || s.url.rfind("http://", 0) == 0;
    out += (out.empty() ? "" : "; ") +
           (link ? "<a " + attr("href", s.url) + ">" + html_escape(s.ref) + "</a>" : html_escape(s.ref));
  }
  return out;
}

std::string matrix_section(const nlohmann::json& j) {
  const MatrixView m = parse_matrix(j);
  std::string out = "<section id=\"matrix\"><h2>" +
                    html_escape(m.title.empty() ? std::string("Requirements matrix") : m.title) + "</h2>";
  if (!m.recommendation.empty()) out += "<p><strong>Recommendation:</strong> " + html_escape(m.recommendation) + "</p>";
  out += "<table class=\"matrix\"><thead><tr><th>requirement</th>";
  for (const MatrixRuntime& rt : m.runtimes) {
    out += "<th" + (rt.reason.empty() ? std::string() : " " + attr("title", rt.reason)) + ">" + html_escape(rt.id) +
           (rt.available ? "" : "<br><span class=\"muted\">unavailable</span>") + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const MatrixRow& row : m.rows) {
    out += "<tr><td>" + html_escape(row.label) +
           (row.declared ? " <span class=\"muted\">(declared, not measured)</span>" : "") + "</td>";
    for (const MatrixRuntime& rt : m.runtimes) {
      auto it = row.cells.find(rt.id);
      if (it == row.cells.end()) {
        out += "<td class=\"verdict none\"><span class=\"muted\">not probed</span></td>";
        continue;
      }
      const MatrixCell& c = it->second;
      const std::string v(to_string(c.verdict));
      const bool documented = !c.documented.empty();
      out += "<td class=\"verdict " + v + (documented ? " documented\" data-documented=\"true\" " : "\" ") +
             attr("data-verdict", v) + "><span class=\"icon\">" + std::string(verdict_icon(c.verdict)) + "</span> " + v;
      if (documented)
        out += "<div class=\"documented\">documented, not measured: " + html_escape(c.documented) + " (" +
               sources_html(c.sources) + ")</div>";
      if (c.seed && *c.seed != c.verdict) {
        out += "<div class=\"seed\">seed said " + std::string(verdict_icon(*c.seed)) + " " +
               std::string(to_string(*c.seed)) + "</div>";
      }
      if (!c.note.empty()) out += "<div class=\"seed\">" + html_escape(c.note) + "</div>";
      if (!c.evidence.is_null()) {
        const std::string ev = c.evidence.is_string() ? c.evidence.get<std::string>() : c.evidence.dump(2);
        out += "<details><summary>evidence</summary><pre>" + html_escape(ev) + "</pre></details>";
      }
      out += "</td>";
    }
    out += "</tr>";
  }
  out +=
      "</tbody></table><p class=\"muted\">✅ yes · ⚠️ partial · ❌ no · ➖ runtime unavailable on this host "
      "· "
      "dashed outline: documented upstream (sources given), not measured. Expand a cell for the commands run "
      "and their output.</p></section>";
  return out;
}

std::string manifest_section(const Analysis& a) {
  const Manifest& m = a.manifest;
  const HostInfo& h = m.host;
  std::string out = "<section id=\"manifest\"><h2>Manifest</h2><table class=\"kv\"><tbody>";
  auto row = [&](const std::string& k, const std::string& v) {
    out += "<tr><th>" + html_escape(k) + "</th><td>" + html_escape(v) + "</td></tr>";
  };
  row("run id", m.run_id);
  row("moat version", m.moat_version);
  row("profile", m.profile);
  row("started", m.started);
  row("finished", m.finished.empty() ? "(did not finish)" : m.finished);
  row("seed", std::to_string(m.seed));
  row("schema version", std::to_string(m.schema_version));
  row("host", h.hostname);
  row("OS", h.os);
  row("kernel", h.kernel);
  row("CPU", h.cpu_model + (h.cores ? " (" + std::to_string(h.cores) + " cores)" : ""));
  row("memory", h.memory_bytes ? detail::gib(h.memory_bytes) : "");
  row("workdir", h.workdir + (h.workdir_filesystem.empty() ? "" : " (" + h.workdir_filesystem + ")"));
  row("engine", detail::engine_line(m).substr(8));
  out += "</tbody></table>";
  if (!h.extra.empty()) out += "<h3>Host details</h3><pre class=\"json\">" + html_escape(h.extra.dump(2)) + "</pre>";

  out +=
      "<h3>Runtimes</h3><table><thead><tr><th>id</th><th>version</th><th>engine runtime</th><th>args</th>"
      "<th>configuration</th></tr></thead><tbody>";
  for (const auto& [id, r] : m.runtimes) {
    std::string args;
    for (const std::string& x : r.args) args += (args.empty() ? "" : " ") + x;
    out += "<tr><td>" + html_escape(id) + "</td><td>" + html_escape(r.version) + "</td><td>" +
           html_escape(r.engine_runtime) + "</td><td><code>" + html_escape(args) + "</code></td><td>" +
           (r.extra.empty() ? std::string() : "<code>" + html_escape(r.extra.dump()) + "</code>") + "</td></tr>";
  }
  out += "</tbody></table>";
  if (!m.images.empty()) {
    out += "<h3>Images</h3><table><thead><tr><th>image</th><th>digest</th></tr></thead><tbody>";
    for (const auto& [ref, digest] : m.images) {
      out += "<tr><td>" + html_escape(ref) + "</td><td><code>" + html_escape(digest) + "</code></td></tr>";
    }
    out += "</tbody></table>";
  }
  out += "<h3>Parameters</h3><pre class=\"json\">" + html_escape(m.parameters.dump(2)) + "</pre></section>";
  return out;
}

}  // namespace

std::string render_html(const Analysis& a, const HtmlOptions& o) {
  // Parse the matrix first: a malformed one fails before any output is produced.
  std::string matrix_html;
  if (o.matrix) matrix_html = matrix_section(*o.matrix);

  IdMaker ids;
  std::string body;
  body += "<header><h1>" + html_escape(o.title) + "</h1><p class=\"sub\">" + html_escape(detail::run_line(a)) +
          "</p></header>";
  if (!a.warnings.empty()) {
    body += "<div class=\"warn\"><strong>Warning:</strong><ul>";
    for (const std::string& w : a.warnings) body += "<li>" + html_escape(w) + "</li>";
    body += "</ul></div>";
  }

  const std::vector<std::string> scenarios = a.scenarios();
  body += "<nav><ul><li><a href=\"#method\">How measured</a></li><li><a href=\"#overview\">Overview</a></li>";
  for (const std::string& sc : scenarios) {
    body += "<li><a href=\"#scenario-" + html_escape(detail::slug(sc)) + "\">" + html_escape(sc) + "</a></li>";
  }
  if (!a.unsupported.empty()) body += "<li><a href=\"#unsupported\">Not supported</a></li>";
  if (!matrix_html.empty()) body += "<li><a href=\"#matrix\">Requirements matrix</a></li>";
  body += "<li><a href=\"#manifest\">Manifest</a></li></ul></nav>";

  body += "<section id=\"method\" class=\"method\"><strong>How these numbers were measured</strong><ul>";
  body += "<li>" + html_escape(detail::host_line(a.manifest)) + "</li>";
  body += "<li>" + html_escape(detail::engine_line(a.manifest)) + "</li>";
  for (const std::string& r : detail::runtime_lines(a.manifest)) body += "<li>runtime " + html_escape(r) + "</li>";
  for (const std::string& l : detail::method_lines(a)) body += "<li>" + html_escape(l) + "</li>";
  body += "</ul></section>";

  body += "<section id=\"overview\"><h2>Overview</h2>";
  bool any_overview = false;
  if (std::string f = boot_phase_figure(a, o, ids); !f.empty()) {
    body += "<h3>Boot phases</h3>" + f;
    any_overview = true;
  }
  for (const std::string& sc : scenarios) {
    if (std::string f = ratio_figure(a, sc, ids); !f.empty()) {
      body += "<h3>" + html_escape(sc) + ": ratio to " + html_escape(a.baseline_for(sc)) + "</h3>" + f;
      any_overview = true;
    }
  }
  if (!any_overview) body += "<p class=\"muted\">No boot phases or ratios to show.</p>";
  body += "</section>";

  for (const std::string& sc : scenarios) {
    body += "<section class=\"scenario\" id=\"scenario-" + html_escape(detail::slug(sc)) + "\"><h2>" + html_escape(sc) +
            " <span class=\"muted\">(baseline: " + html_escape(a.baseline_for(sc)) + ")</span></h2>";
    for (const MetricInfo& m : a.metrics) {
      if (m.scenario != sc) continue;
      const std::string fig = metric_figure(a, m, ids);
      if (fig.empty()) continue;
      body += "<h3>" + html_escape(m.metric) + " <span class=\"muted\">(" + html_escape(m.unit) + ", " +
              (m.direction == Direction::lower_is_better ? "lower" : "higher") + " is better)</span></h3>";
      if (!m.description.empty()) body += "<p class=\"muted\">" + html_escape(m.description) + "</p>";
      body += fig;
    }
    if (std::any_of(a.summaries.begin(), a.summaries.end(), [&](const MetricSummary& s) { return s.scenario == sc; })) {
      body += summary_table(a, sc);
    }
    for (const Unsupported& u : a.unsupported) {
      if (u.scenario != sc) continue;
      body += "<p><strong>" + html_escape(u.runtime) + "</strong>: not supported" +
              (u.metric.empty() ? "" : " (" + html_escape(u.metric) + ")") + " — " + html_escape(u.reason) + "</p>";
    }
    body += "</section>";
  }

  if (!a.unsupported.empty()) {
    body +=
        "<section id=\"unsupported\"><h2>Not supported</h2><table><thead><tr><th>runtime</th><th>scenario</th>"
        "<th>reason</th></tr></thead><tbody>";
    for (const Unsupported& u : a.unsupported) {
      body += "<tr><td>" + html_escape(u.runtime) + "</td><td>" +
              html_escape(u.metric.empty() ? u.scenario : u.scenario + "/" + u.metric) + "</td><td>" +
              html_escape(u.reason) + "</td></tr>";
    }
    body += "</tbody></table></section>";
  }
  body += matrix_html;
  body += manifest_section(a);
  body +=
      "<footer class=\"muted\"><p>Generated by moat. This file is self-contained: no scripts and no external "
      "resources.</p></footer>";

  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\"><title>" +
         html_escape(o.title + " — " + a.manifest.run_id) + "</title><style>" + kStyle + "</style></head><body>" +
         body + "</body></html>\n";
}

}  // namespace moat::bench
