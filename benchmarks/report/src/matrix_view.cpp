#include <moat/bench/report/matrix_view.hpp>

#include <moat/error.hpp>

#include "json_fields.hpp"

namespace moat::bench {

using detail::bad;
using nlohmann::json;

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::yes:
      return "yes";
    case Verdict::no:
      return "no";
    case Verdict::partial:
      return "partial";
    case Verdict::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

std::string_view verdict_icon(Verdict v, std::string_view unavailable) noexcept {
  switch (v) {
    case Verdict::yes:
      return "✅";
    case Verdict::partial:
      return "⚠️";
    case Verdict::no:
      return "❌";
    case Verdict::unavailable:
      return unavailable;
  }
  return unavailable;
}

Verdict parse_verdict(std::string_view s) {
  if (s == "yes") return Verdict::yes;
  if (s == "no") return Verdict::no;
  if (s == "partial") return Verdict::partial;
  if (s == "unavailable") return Verdict::unavailable;
  throw moat::Error(MOAT_E_INVALID, "verdict must be yes, no, partial or unavailable, not \"" + std::string(s) + "\"");
}

namespace {

Verdict verdict_at(const json& v, const std::string& where) {
  if (!v.is_string()) bad(where, "expected yes|no|partial|unavailable");
  try {
    return parse_verdict(v.get<std::string>());
  } catch (const moat::Error& e) {
    bad(where, e.what());
  }
}

void read_documented(const json& d, const std::string& where, MatrixCell& c) {
  detail::require_object(d, where);
  c.documented = detail::need_string(d, "text", where);
  if (c.documented.empty()) bad(where + ".text", "must not be empty");
  const json& sources = detail::need(d, "sources", where);
  if (!sources.is_array() || sources.empty()) bad(where + ".sources", "expected a non-empty array");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string w = where + ".sources[" + std::to_string(i) + "]";
    const json& s = sources[i];
    if (s.is_string()) {
      c.sources.push_back({s.get<std::string>(), {}});
      continue;
    }
    detail::require_object(s, w);
    c.sources.push_back({detail::need_string(s, "ref", w), detail::opt_string(s, "url", w)});
  }
}

MatrixCell read_cell(const json& j, const std::string& where) {
  MatrixCell c;
  if (j.is_string()) {  // shorthand: just the verdict
    c.verdict = verdict_at(j, where);
    return c;
  }
  detail::require_object(j, where);
  c.verdict = verdict_at(detail::need(j, "verdict", where), where + ".verdict");
  if (const json* e = detail::find(j, "evidence")) c.evidence = *e;
  if (const json* s = detail::find(j, "seed"); s != nullptr && !s->is_null()) c.seed = verdict_at(*s, where + ".seed");
  c.note = detail::opt_string(j, "note", where);
  if (const json* d = detail::find(j, "documented"); d != nullptr && !d->is_null())
    read_documented(*d, where + ".documented", c);
  return c;
}

}  // namespace

MatrixView parse_matrix(const json& j) {
  detail::require_object(j, "matrix");
  MatrixView m;
  m.title = detail::opt_string(j, "title", "matrix");
  m.recommendation = detail::opt_string(j, "recommendation", "matrix");

  const json* cols = detail::find(j, "runtimes");
  if (cols == nullptr) cols = detail::find(j, "columns");
  if (cols == nullptr || !cols->is_array()) bad("matrix", "\"runtimes\" (or \"columns\") must be an array");
  for (std::size_t i = 0; i < cols->size(); ++i) {
    const json& c = (*cols)[i];
    const std::string where = "matrix.runtimes[" + std::to_string(i) + "]";
    MatrixRuntime rt;
    if (c.is_string()) {
      rt.id = c.get<std::string>();
    } else {
      detail::require_object(c, where);
      rt.id = detail::need_string(c, "id", where);
      if (const json* a = detail::find(c, "available"); a != nullptr && !a->is_null()) {
        if (!a->is_boolean()) bad(where + ".available", "expected true or false");
        rt.available = a->get<bool>();
      }
      rt.reason = detail::opt_string(c, "reason", where);
    }
    if (rt.id.empty()) bad(where, "runtime id must not be empty");
    m.runtimes.push_back(std::move(rt));
  }

  const json& rows = detail::need(j, "rows", "matrix");
  if (!rows.is_array()) bad("matrix.rows", "expected an array");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string where = "matrix.rows[" + std::to_string(i) + "]";
    const json& r = rows[i];
    detail::require_object(r, where);
    MatrixRow row;
    row.id = detail::opt_string(r, "id", where);
    if (row.id.empty()) row.id = detail::opt_string(r, "requirement", where);
    row.label = detail::opt_string(r, "label", where);
    if (row.label.empty()) row.label = row.id;
    if (row.id.empty()) bad(where, "a row needs an \"id\" (or \"requirement\")");
    if (const json* d = detail::find(r, "declared"); d != nullptr && !d->is_null()) {
      if (!d->is_boolean()) bad(where + ".declared", "expected true or false");
      row.declared = d->get<bool>();
    }
    const json& cells = detail::need(r, "cells", where);
    if (cells.is_object()) {
      for (const auto& [rt, cell] : cells.items()) row.cells[rt] = read_cell(cell, where + ".cells." + rt);
    } else if (cells.is_array()) {
      if (cells.size() != m.runtimes.size()) bad(where + ".cells", "as an array it needs one cell per runtime");
      for (std::size_t k = 0; k < cells.size(); ++k) {
        if (cells[k].is_null()) continue;
        row.cells[m.runtimes[k].id] = read_cell(cells[k], where + ".cells[" + std::to_string(k) + "]");
      }
    } else {
      bad(where + ".cells", "expected an object keyed by runtime (or an array in runtime order)");
    }
    m.rows.push_back(std::move(row));
  }
  return m;
}

}  // namespace moat::bench
