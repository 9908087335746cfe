#include <moat/matrix/recommendation.hpp>

#include <moat/matrix/requirements.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace moat::matrix {

namespace {

const Row* find_row(const std::vector<Row>& rows, const std::string& id) {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.requirement.id == id; });
  return it == rows.end() ? nullptr : &*it;
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
  return buf;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string verdict_word(Verdict v) {
  switch (v) {
    case Verdict::yes:
      return "yes";
    case Verdict::partial:
      return "partial";
    case Verdict::no:
      return "no";
    case Verdict::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

}  // namespace

Recommendation recommend(const std::vector<Column>& columns, const std::vector<Row>& rows,
                         const std::vector<std::string>& required,
                         const std::map<std::string, nlohmann::json>& harness_figures) {
  Recommendation rec;
  rec.required = required;
  const Row* boot = find_row(rows, row::boot_time);

  for (const Column& c : columns) {
    RuledOut out;
    out.column = c.id;
    for (const auto& req : required) {
      const Row* r = find_row(rows, req);
      const Cell* cell = nullptr;
      if (r != nullptr) {
        auto it = r->cells.find(c.id);
        if (it != r->cells.end()) cell = &it->second;
      }
      // Documentation is not evidence: a documented cell counts as not measured, whatever it says.
      const bool measured = cell != nullptr && !cell->documented;
      if (measured && cell->verdict == Verdict::yes) continue;
      RuledOut::Failure f;
      f.requirement = req;
      f.verdict = measured ? cell->verdict : Verdict::unavailable;
      f.evidence = cell != nullptr ? cell->summary : (c.reason.empty() ? "not probed" : c.reason);
      out.failures.push_back(std::move(f));
    }
    if (!out.failures.empty()) {
      rec.ruled_out.push_back(std::move(out));
      continue;
    }
    Ranked r;
    r.column = c.id;
    if (boot != nullptr) {
      auto it = boot->cells.find(c.id);
      if (it != boot->cells.end() && it->second.value_ms) {
        r.boot_ms = it->second.value_ms;
        const auto& facts = it->second.facts;
        const bool from_results = facts.is_object() && facts.value("source", "") == "results";
        r.boot_source = from_results ? "results: " + facts.value("metric", std::string("boot")) + " median of " +
                                           std::to_string(facts.value("n", 0))
                                     : "live: median of " + std::to_string(facts.value("n", 0));
      }
    }
    if (auto it = harness_figures.find(c.id); it != harness_figures.end()) r.figures = it->second;
    rec.ranked.push_back(std::move(r));
  }
  std::stable_sort(rec.ranked.begin(), rec.ranked.end(), [](const Ranked& a, const Ranked& b) {
    const double inf = std::numeric_limits<double>::infinity();
    return a.boot_ms.value_or(inf) < b.boot_ms.value_or(inf);
  });

  // The text: who meets everything (fastest first), then why each other is out.
  std::string text = "Required: " + join(required, ", ") + ". ";
  if (rec.ranked.empty()) {
    text += "No runtime here meets every requirement.";
    // The closest: fewest failures among the columns that could be measured.
    const RuledOut* best = nullptr;
    for (const auto& r : rec.ruled_out) {
      const bool measured = std::none_of(r.failures.begin(), r.failures.end(),
                                         [](const RuledOut::Failure& f) { return f.verdict == Verdict::unavailable; });
      if (measured && (best == nullptr || r.failures.size() < best->failures.size())) best = &r;
    }
    if (best != nullptr) {
      std::vector<std::string> reqs;
      for (const auto& f : best->failures) reqs.push_back(f.requirement);
      text += " Closest: " + best->column + " (fails " + join(reqs, ", ") + ").";
    }
  } else {
    std::vector<std::string> parts;
    for (const auto& r : rec.ranked)
      parts.push_back(r.column + (r.boot_ms ? " (boot " + seconds(*r.boot_ms) + ")" : " (boot not measured)"));
    text += (rec.ranked.size() == 1 ? "Meets every requirement: " : "Meet every requirement, fastest boot first: ") +
            join(parts, ", ") + ".";
  }
  std::vector<std::string> unavailable;
  for (const auto& r : rec.ruled_out) {
    const bool all_unavailable = std::all_of(r.failures.begin(), r.failures.end(), [](const RuledOut::Failure& x) {
      return x.verdict == Verdict::unavailable;
    });
    if (all_unavailable) {
      unavailable.push_back(r.column);
      continue;
    }
    std::vector<std::string> reqs;
    for (const auto& x : r.failures)
      if (x.verdict != Verdict::unavailable) reqs.push_back(x.requirement + " " + verdict_word(x.verdict));
    const auto first = std::find_if(r.failures.begin(), r.failures.end(),
                                    [](const RuledOut::Failure& x) { return x.verdict != Verdict::unavailable; });
    text += " " + r.column + " is ruled out by " + join(reqs, ", ") + " (" + first->requirement + ": " +
            first->evidence + ").";
  }
  if (!unavailable.empty()) text += " Unavailable here: " + join(unavailable, ", ") + ".";
  rec.text = text;
  return rec;
}

}  // namespace moat::matrix
