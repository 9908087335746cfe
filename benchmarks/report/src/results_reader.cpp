#include <moat/bench/report/results_reader.hpp>

#include <moat/bench/report/results_json.hpp>
#include <moat/error.hpp>

#include "json_fields.hpp"
#include "record_readers.hpp"

#include <fstream>
#include <sstream>

namespace moat::bench {

using nlohmann::json;

namespace {

// Results files can come from elsewhere (CI artifacts, a colleague): a value
// nested deeper than any real results file is refused while it is parsed,
// before code that recurses over it (copy, dump) could overflow the stack.
constexpr int kMaxNesting = 64;

// Like json::parse(..., allow_exceptions=false), but throws moat::Error
// (invalid), prefixed with `where`, for a value nested deeper than kMaxNesting.
json parse_nesting_limited(std::string_view text, const std::string& where) {
  const json::parser_callback_t limit = [&where](int depth, json::parse_event_t, json&) {
    if (depth > kMaxNesting)
      throw moat::Error(MOAT_E_INVALID, where + ": nested deeper than " + std::to_string(kMaxNesting) + " levels");
    return true;
  };
  return json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
}

}  // namespace

Results parse_results_document(std::string_view text) {
  json j = parse_nesting_limited(text, "results");
  if (j.is_discarded()) throw moat::Error(MOAT_E_INVALID, "results: not valid JSON");
  return results_from_json(j);
}

Results parse_results_jsonl(std::string_view text) {
  Results r;
  bool have_manifest = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    const bool terminated = end != std::string_view::npos;
    if (!terminated) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string where = "line " + std::to_string(line_no);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;

    json rec = parse_nesting_limited(line, "results JSONL " + where);
    if (rec.is_discarded() || !rec.is_object()) {
      // The writer emits each record with one write(2): only the last line
      // of a crashed run can be torn. Anywhere else it is corruption.
      if (!terminated || text.find_first_not_of(" \t\r\n", pos) == std::string_view::npos) {
        r.warnings.push_back(where + ": dropped an incomplete last record (the run was interrupted while writing it)");
        break;
      }
      throw moat::Error(MOAT_E_INVALID, "results JSONL " + where + ": not a JSON object");
    }
    const std::string type = detail::need_string(rec, "type", where);
    if (!have_manifest) {
      if (type != "manifest") {
        throw moat::Error(MOAT_E_INVALID, "results JSONL " + where + ": the first record must be the manifest");
      }
      r.manifest = detail::read_manifest(rec, where);
      have_manifest = true;
      continue;
    }
    if (r.complete) {
      r.warnings.push_back(where + ": record after the end record ignored");
      continue;
    }
    if (type == "metric") {
      MetricInfo m = detail::read_metric(rec, where);
      if (const MetricInfo* existing = r.find_metric(m.scenario, m.metric)) {
        if (existing->unit != m.unit || existing->direction != m.direction) {
          throw moat::Error(MOAT_E_INVALID, "results JSONL " + where + ": metric " + m.scenario + "/" + m.metric +
                                                " redeclared differently");
        }
        continue;
      }
      r.metrics.push_back(std::move(m));
    } else if (type == "sample") {
      Sample s = detail::read_sample(rec, where);
      try {
        validate_sample(r, s);
      } catch (const moat::Error& e) {
        throw moat::Error(MOAT_E_INVALID, "results JSONL " + where + ": " + e.what());
      }
      r.samples.push_back(std::move(s));
    } else if (type == "unsupported") {
      r.unsupported.push_back(detail::read_unsupported(rec, where));
    } else if (type == "end") {
      r.manifest.finished = detail::need_string(rec, "finished", where);
      r.complete = true;
    } else if (type == "manifest") {
      throw moat::Error(MOAT_E_INVALID, "results JSONL " + where + ": a second manifest (two runs in one file?)");
    } else {
      // A newer writer's record kind: skipping keeps old readers useful.
      r.warnings.push_back(where + ": unknown record type \"" + type + "\" ignored");
    }
  }
  if (!have_manifest) throw moat::Error(MOAT_E_INVALID, "results JSONL: no manifest record (empty file?)");
  if (!r.complete) {
    r.warnings.push_back("the run did not finish (no end record): showing the " + std::to_string(r.samples.size()) +
                         " samples recorded before it stopped");
  }
  return r;
}

Results load_results(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw moat::Error(std::filesystem::exists(path) ? MOAT_E_FAILED : MOAT_E_NOT_FOUND,
                      "cannot read results file " + path.string());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  try {
    // A final document is one JSON value with "format"; a JSONL stream has
    // several top-level values and never parses as one.
    json j = parse_nesting_limited(text, "results");
    if (!j.is_discarded() && j.is_object() && j.contains("format")) return results_from_json(j);
    return parse_results_jsonl(text);
  } catch (const moat::Error& e) {
    throw moat::Error(e.status(), path.string() + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw moat::Error(MOAT_E_INVALID, path.string() + ": " + e.what());
  }
}

}  // namespace moat::bench
