// moat matrix [--runtimes A,B] [--require CAP,...] [--results RESULTS.json]
//             [--timeout S] [--md FILE] [--json FILE]
// The seed's requirements matrix, measured live on this host: rows =
// requirements, columns = runtimes, each cell a verdict with the commands
// that decided it; a recommendation for the required set; where the seed's
// table disagrees with the measurement.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../paths.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"

#include <moat/matrix/render.hpp>
#include <moat/matrix/requirements.hpp>
#include <moat/matrix/runner.hpp>
#include <moat/matrix/seed_data.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include <boost/program_options/value_semantic.hpp>

namespace moat::cli::commands {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kHelpFor = "matrix";

// "a,b" and repeated options alike -> {a, b}.
std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream in(v);
    for (std::string item; std::getline(in, item, ',');)
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Terminal columns of a cell: the matrix's marks are wide (2 columns), the
// emoji variation selector takes none. Everything else counts one per code point.
std::size_t cell_width(const std::string& s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    const std::string cp = s.substr(i, len);
    if (cp == "\xEF\xB8\x8F")  // U+FE0F
      ;
    else if (cp == "✅" || cp == "❌" || cp == "\xE2\x9A\xA0")  // ✅ ❌ ⚠
      w += 2;
    else
      w += 1;
    i += len;
  }
  return w;
}

void render_grid(std::ostream& out, const std::vector<std::vector<std::string>>& grid) {
  std::vector<std::size_t> widths;
  for (const auto& row : grid)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], cell_width(row[i]));
    }
  for (std::size_t r = 0; r < grid.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < grid[r].size(); ++i) {
      line += grid[r][i];
      if (i + 1 < grid[r].size()) line += std::string(widths[i] - cell_width(grid[r][i]) + 2, ' ');
    }
    out << line << '\n';
    if (r == 0) {
      std::size_t total = 0;
      for (auto w : widths) total += w + 2;
      std::string rule;
      for (std::size_t k = 0; k + 2 < total; ++k) rule += "─";
      out << rule << '\n';
    }
  }
}

// A UTF-8 boundary at or before `n`.
std::size_t boundary(const std::string& s, std::size_t n) {
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// Keeps the start and the end of a long line: an error's cause is usually at its end.
std::string clip(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  const std::size_t head = boundary(s, max * 2 / 5);
  std::size_t tail = boundary(s, s.size() - (max - head));
  return s.substr(0, head) + " … " + s.substr(tail);
}

void print_report(Context& ctx, const matrix::MatrixReport& r) {
  std::ostringstream o;
  std::vector<std::vector<std::string>> grid;
  std::vector<std::string> header = {"Requirement"};
  for (const auto& c : r.columns) header.push_back(matrix::column_header(c));
  grid.push_back(header);
  for (const auto& row : r.rows) {
    std::vector<std::string> line = {row.requirement.label + (row.requirement.declared ? " (declared)" : "")};
    for (const auto& c : r.columns) {
      auto it = row.cells.find(c.id);
      line.push_back(sanitize(matrix::cell_text(it == row.cells.end() ? nullptr : &it->second, c)));
    }
    grid.push_back(line);
  }
  render_grid(o, grid);
  o << "✅ yes  ⚠️ partial  ❌ no  n/a unavailable here  (declared) carried from the seed, not measured  "
       "documented: upstream's word, not measured  (seed …) the seed's cell where it disagrees\n";

  bool any = false;
  for (const auto& c : r.columns) {
    for (const auto& row : r.rows) {
      auto it = row.cells.find(c.id);
      if (it == row.cells.end() || !it->second.documented) continue;
      if (!any) o << "\nDocumented upstream, not measured:\n";
      any = true;
      const matrix::Documented& d = *it->second.documented;
      o << "  " << c.id << " · " << row.requirement.id << " " << matrix::text_icon(it->second.verdict) << "  "
        << sanitize(d.text) << " (" << sanitize(matrix::sources_text(d)) << ")\n";
    }
  }

  any = false;
  for (const auto& c : r.columns) {
    if (c.available) continue;
    if (!any) o << "\nNot available here:\n";
    any = true;
    o << "  " << c.id << ": " << sanitize(c.reason) << '\n';
  }

  any = false;
  for (const auto& c : r.columns) {
    if (!c.available) continue;
    for (const auto& row : r.rows) {
      if (row.requirement.declared) continue;
      auto it = row.cells.find(c.id);
      if (it == row.cells.end() || it->second.verdict == matrix::Verdict::yes) continue;
      if (!any) o << "\nWhy not ✅:\n";
      any = true;
      o << "  " << c.id << " · " << row.requirement.id << " " << matrix::text_icon(it->second.verdict) << "  "
        << clip(sanitize(it->second.summary), 220) << '\n';
    }
  }

  o << "\nWhere the measurement disagrees with the seed (" << r.disagreements.size() << "):\n";
  if (r.disagreements.empty()) o << "  nowhere\n";
  for (const auto& d : r.disagreements) o << "  " << d.column << " · " << d.row << ": " << sanitize(d.note) << '\n';

  const auto& rec = r.recommendation;
  o << "\nRecommendation for " <<
      [&] {
        std::string s;
        for (const auto& q : rec.required) s += (s.empty() ? "" : ", ") + q;
        return s;
      }()
    << ":\n";
  if (rec.ranked.empty()) {
    o << "  no runtime here meets every requirement\n";
  } else {
    int n = 0;
    for (const auto& x : rec.ranked) {
      char boot[48] = "boot not measured";
      if (x.boot_ms) std::snprintf(boot, sizeof boot, "boot %.2f s", *x.boot_ms / 1000);
      o << "  " << ++n << ". " << x.column << "  " << boot << (x.boot_source.empty() ? "" : " (" + x.boot_source + ")")
        << '\n';
      for (const auto& f : x.figures)
        if (f.is_object() && f.contains("median"))
          o << "       " << f.value("scenario", "") << "/" << f.value("metric", "") << ": median " << f["median"].dump()
            << " " << f.value("unit", "")
            << (f.contains("ratio")
                    ? " (x" + f["ratio"].value("estimate", json(0)).dump() + " vs " + f.value("baseline", "") + ")"
                    : std::string())
            << '\n';
    }
  }
  for (const auto& x : rec.ruled_out) {
    const bool unavailable = std::all_of(x.failures.begin(), x.failures.end(),
                                         [](const auto& f) { return f.verdict == matrix::Verdict::unavailable; });
    if (unavailable) {
      o << "  " << x.column << ": unavailable here\n";
      continue;
    }
    std::string reqs;
    for (const auto& f : x.failures)
      if (f.verdict != matrix::Verdict::unavailable)
        reqs += (reqs.empty() ? "" : ", ") + f.requirement + " " + matrix::text_icon(f.verdict);
    o << "  " << x.column << ": ruled out by " << reqs << '\n';  // the evidence is under "Why not"
  }
  if (!r.cleanup.is_null()) {
    std::size_t left = 0;
    for (const char* k : {"containers", "volumes", "networks", "sandboxes"})
      if (r.cleanup.contains(k)) left += r.cleanup[k].size();
    if (left > 0)
      o << "\nThe final sweep removed " << left << " leftover object(s) of run " << r.run_id
        << " (see -o json: cleanup)\n";
  }
  ctx.out_stream() << o.str();
  ctx.out_stream().flush();
}

void write_file(const std::string& path, const std::string& text, const char* what) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) throw moat::Error(MOAT_E_FAILED, std::string("--") + what + " " + path + ": cannot be written");
}

fs::path find_seed(Context& ctx) {
  const auto candidates = matrix::seed_search_paths(ctx.exe_dir());
  for (const auto& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  std::string where;
  for (const auto& p : candidates) where += (where.empty() ? "" : ", ") + p.string();
  throw moat::Error(MOAT_E_NOT_FOUND,
                    "the seed's table (seed-matrix.json) is not installed (looked in: " + where + ")");
}

int run(Context& ctx) {
  matrix::MatrixOptions o;
  o.runtimes = split_list(option_values(ctx, "runtimes"));
  o.require = split_list(option_values(ctx, "require"));
  if (auto r = option_value(ctx, "results"); !r.empty()) o.results = r;
  const auto& vars = ctx.vars();
  if (vars.count("timeout") != 0U) {
    const double t = vars["timeout"].as<double>();
    if (t < 1) throw UsageError("--timeout must be at least 1 second", kHelpFor);
    o.check_timeout = std::chrono::seconds(static_cast<long long>(t));
  }
  if (vars.count("boot-samples") != 0U) {
    o.boot_samples = vars["boot-samples"].as<int>();
    if (o.boot_samples < 1) throw UsageError("--boot-samples must be at least 1", kHelpFor);
  }
  if (vars.count("jobs") != 0U) {
    o.jobs = vars["jobs"].as<int>();
    if (o.jobs < 0) throw UsageError("--jobs must be 0 (all at once) or more", kHelpFor);
  }
  try {
    (void)matrix::check_requirements(o.require);
  } catch (const moat::Error& e) {
    throw UsageError(e.what(), kHelpFor);
  }
  o.run_id = run_id_option(ctx, kHelpFor);
  o.seed_file = find_seed(ctx);
  o.engine = engine_client_options(ctx.config());
  o.cancel = &ctx.cancel_flag();
  const bool progress = !ctx.out().quiet();
  o.progress = [&ctx, progress](const std::string& line) {
    if (progress) ctx.err() << "matrix: " << clip(sanitize(line), 200) << '\n';
  };

  const auto t0 = std::chrono::steady_clock::now();
  // An unknown runtime id is unavailable (69), as on every command that takes one.
  const matrix::MatrixReport report = matrix::run_matrix(ctx.registry(), ctx.config(), o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const json doc = matrix::to_json(report);
  if (auto path = option_value(ctx, "json"); !path.empty())
    write_file(path, doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n", "json");
  if (auto path = option_value(ctx, "md"); !path.empty()) write_file(path, matrix::to_markdown(report), "md");

  Output& out = ctx.out();
  if (out.json()) {
    out.document(doc);
  } else if (out.quiet()) {
    for (const auto& x : report.recommendation.ranked) out.line(x.column);
  } else {
    print_report(ctx, report);
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "moat matrix: %.1f s for %zu runtimes (run %s)\n", seconds, report.columns.size(),
                report.run_id.c_str());
  ctx.err() << buf;
  if (report.interrupted) {
    ctx.err() << "moat: interrupted; what the run created was removed (else: moat gc --run-id " << report.run_id
              << ")\n";
    return to_int(ExitCode::interrupted);
  }
  // A report: unavailable runtimes and "no" cells are its content, not failures.
  return to_int(ExitCode::ok);
}

void options(po::options_description& d) {
  // clang-format off
  d.add_options()
    ("runtimes", po::value<std::vector<std::string>>()->value_name("A,B"),
     "columns to probe (default: all; e.g. runc,runc+dind,gvisor,host)")
    ("require", po::value<std::vector<std::string>>()->value_name("CAP,..."),
     "requirements to recommend for (default: docker-in-docker,persistent-dind,persistent-workspace,"
     "bind-mounts,dynamic-networking,unprivileged)")
    ("results", po::value<std::string>()->value_name("RESULTS.json"),
     "a 'moat bench' results file: boot figures from it, its figures in the ranking")
    ("timeout", po::value<double>()->value_name("S"), "time limit of one probe in seconds (default 120)")
    ("boot-samples", po::value<int>()->value_name("N"), "boots per runtime for the boot-time row (default 5)")
    ("run-id", po::value<std::string>()->value_name("ID"),
     "the run's id and label value (default: mx-<UTC time>-<random>)")
    ("jobs", po::value<int>()->value_name("N"), "runtimes probed at once (default 0: all)")
    ("md", po::value<std::string>()->value_name("FILE"), "also write the Markdown report to FILE")
    ("json", po::value<std::string>()->value_name("FILE"), "also write the JSON evidence document to FILE");
  // clang-format on
}

}  // namespace

Command matrix() {
  return {
      .path = {"matrix"},
      .summary = "Measure the requirements matrix live and recommend a runtime",
      .description =
          "Runs live probes on every runtime (each a real sandbox doing the real thing, with a\n"
          "time limit, removed afterwards): Docker-in-Docker (inner build and run), DinD state\n"
          "across a restart, persistent workspace and home, bind mounts (uid/gid mapping, read-only),\n"
          "dynamic networking (attach, reach a peer, detach, no restart), unprivileged (capabilities,\n"
          "user namespace), isolation (kernel, host PIDs, devices), boot time and host requirements.\n"
          "Prints the seed's table shaped matrix with the evidence behind each cell, the runtimes that\n"
          "meet --require (ranked by boot), what rules out the others, and where the seed's table\n"
          "disagrees. runc appears twice: as shipped, and in its (not isolating) DinD mode.\n"
          "Everything created carries moat.run-id=<run id>; 'moat gc --run-id ID' cleans a killed run.\n"
          "Exits 0 with the report whatever the verdicts; 69 for a runtime id no plugin has; 130 when\n"
          "interrupted. The JSON document is described in docs/matrix.md.",
      .options = options,
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
