// The matrix for people and programs: the JSON evidence document (the shape
// docs/matrix.md documents and the HTML report's matrix section reads), the
// Markdown report, and the short cell texts the terminal table uses.
#pragma once

#include <moat/matrix/model.hpp>

#include <string>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// Bumped when a field of the document changes meaning or goes away.
inline constexpr int kMatrixSchemaVersion = 1;

// The whole evidence document.
nlohmann::json to_json(const MatrixReport& report);
// The Markdown report: the table, the recommendation, the disagreements
// with the seed, and each cell's evidence (what was run, exit codes).
std::string to_markdown(const MatrixReport& report);

// A table cell: "✅", "⚠️", "❌", "✅ 0.62 s" (boot), "n/a — not installed",
// "documented ❌" (upstream's word, not measured), "-" when there is no cell;
// "(seed ✅)" appended where the seed disagrees.
std::string cell_text(const Cell* cell, const Column& column);
// A column's unavailability reason, short enough for a table cell.
std::string short_reason(const Column& column);
// A column header: the id, with the seed's name when it differs ("firecracker").
std::string column_header(const Column& column);

}  // namespace moat::matrix
