#include <moat/matrix/render.hpp>

#include <cstdio>

namespace moat::matrix {

namespace {

// Without surrounding spaces and trailing full stops and commas: a clause
// that goes inside a sentence.
std::string as_clause(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '.' || s.back() == ',')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// Cuts at a UTF-8 boundary.
std::string cut(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return as_clause(s.substr(0, n)) + "…";
}

}  // namespace

std::string short_reason(const Column& c) {
  std::string r = c.reason;
  // "kata is not usable here: <why>": the why is what fits in a cell.
  const std::string preamble = c.id + " is not usable here: ";
  if (r.rfind(preamble, 0) == 0) r.erase(0, preamble.size());
  if (!c.has_plugin) return r.find("seed's column only") != std::string::npos ? "no moat plugin" : "plugin not loaded";
  if (r.find("cannot run Kata 2+") != std::string::npos) return "Docker < 23: no Kata 2+";
  if (r.find("not registered") != std::string::npos || r.find("not installed") != std::string::npos)
    return "not installed";
  if (r.find("/dev/kvm") != std::string::npos) return "no usable /dev/kvm";
  if (r.find("engine") != std::string::npos && r.find("reach") != std::string::npos) return "engine unreachable";
  if (r.find("image") != std::string::npos && r.find("prepare") != std::string::npos) return "image missing";
  // Else the reason's first clause.
  std::size_t end = r.find_first_of(":;(");
  return cut(as_clause(r.substr(0, end)), 28);
}

std::string column_header(const Column& c) { return c.id; }

std::string cell_text(const Cell* cell, const Column& column) {
  if (cell == nullptr) return "-";
  if (cell->documented) {
    // The text and sources are too long for a terminal cell; the reports give them in full.
    std::string text = "documented " + text_icon(cell->verdict);
    // Two readings that differ: shown, but never listed as a disagreement with a measurement.
    if (cell->seed && *cell->seed != cell->verdict) text += " (seed " + cell->seed_text + ")";
    return text;
  }
  if (cell->verdict == Verdict::unavailable && !cell->declared)
    return "n/a — " + (column.available ? cut(cell->summary, 28) : short_reason(column));
  std::string text = text_icon(cell->verdict);
  if (cell->value_ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.2f s", *cell->value_ms / 1000);
    text += buf;
  }
  if (!cell->note.empty() && !cell->seed_text.empty()) text += " (seed " + cell->seed_text + ")";
  return text;
}

}  // namespace moat::matrix
