#include "format.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace moat::bench::detail {

std::string num(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a < 1e-3 || a >= 1e7) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  const int digits = static_cast<int>(std::floor(std::log10(a)));
  int decimals = 3 - digits;
  if (decimals < 0) decimals = 0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string with_unit(double v, std::string_view unit) {
  std::string s = num(v);
  if (!unit.empty()) {
    s += ' ';
    s += unit;
  }
  return s;
}

std::string percent(double fraction, bool signed_) {
  if (std::isnan(fraction)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, signed_ ? "%+.1f%%" : "%.1f%%", fraction * 100.0);
  return buf;
}

std::string param(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string param_percent(double fraction) { return param(fraction * 100.0) + "%"; }

namespace {

// Ratios sit near 1, where 3 decimals show whether a CI bound crosses 1
// (0.999 vs 1.002) without 4-significant-digit noise like 0.5209.
std::string ratio_num(double r) {
  if (!std::isfinite(r)) return num(r);
  char buf[32];
  const double a = std::fabs(r);
  std::snprintf(buf, sizeof buf, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", r);
  return buf;
}

}  // namespace

std::string times(double r) { return ratio_num(r) + "x"; }

std::string ratio_text(const stats::Interval& ci) {
  return times(ci.estimate) + " [" + ratio_num(ci.lower) + ", " + ratio_num(ci.upper) + "]";
}

std::string exact(double v) {
  if (!std::isfinite(v)) return "";
  return nlohmann::json(v).dump();
}

std::string exact(const std::optional<double>& v) { return v ? exact(*v) : std::string(); }

std::string p_text(double p) {
  if (std::isnan(p)) return "n/a";
  if (p < 0.001) return "<0.001";
  char buf[32];
  std::snprintf(buf, sizeof buf, p < 0.1 ? "%.4f" : "%.2f", p);
  return buf;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string slug(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out += keep ? c : '-';
  }
  return out.empty() ? std::string("x") : out;
}

}  // namespace moat::bench::detail
