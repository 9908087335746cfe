// Number and text formatting shared by the writers (internal).
#pragma once

#include <moat/bench/stats/bootstrap.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace moat::bench::detail {

// About 4 significant digits without exponent for everyday magnitudes
// ("431.2", "12.35", "0.1234"), %.3g outside [1e-3, 1e7). "n/a" for NaN.
std::string num(double v);
// num() plus " unit" when the unit is non-empty.
std::string with_unit(double v, std::string_view unit);
// 0.0321 -> "3.2%"; signed adds "+" for positive values.
std::string percent(double fraction, bool signed_ = false);
// Settings, not measurements: as short as exact ("3.5", "2000", "0.01").
std::string param(double v);
// Settings as percentages: 0.95 -> "95%", 0.125 -> "12.5%".
std::string param_percent(double fraction);
// "1.47x [1.38, 1.56]"
std::string ratio_text(const stats::Interval& ci);
// "1.47x"
std::string times(double r);
// Shortest text that reads back as the same double (for CSV and JSON-like output); "" for NaN.
std::string exact(double v);
std::string exact(const std::optional<double>& v);
// p-values: "<0.001", "0.0123", "0.41".
std::string p_text(double p);

std::string html_escape(std::string_view s);
// RFC 4180: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view s);
// Markdown table cell: escapes '|' and turns newlines into spaces.
std::string md_cell(std::string_view s);
// [A-Za-z0-9_-] kept, everything else '-': for element ids.
std::string slug(std::string_view s);

}  // namespace moat::bench::detail
