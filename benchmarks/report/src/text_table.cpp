#include "text_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace moat::bench::detail {

namespace {

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count lead bytes only
  }
  return n;
}

}  // namespace

void TextTable::add(std::vector<std::string> row, std::string ansi) {
  if (row.size() != columns_.size()) throw std::invalid_argument("TextTable: row width differs from the header");
  rows_.push_back(Row{std::move(row), std::move(ansi)});
}

std::string TextTable::render() const {
  std::vector<std::size_t> width(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    width[c] = display_width(columns_[c].header);
    for (const auto& r : rows_) width[c] = std::max(width[c], display_width(r.cells[c]));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells, const std::string& ansi) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - display_width(cells[c]);
      if (c > 0) line += "  ";
      if (columns_[c].align == Align::right) line.append(pad, ' ');
      line += cells[c];
      if (columns_[c].align == Align::left && c + 1 < cells.size()) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!ansi.empty()) line = ansi + line + "\x1b[0m";
    out += line;
    out += '\n';
  };
  std::vector<std::string> header;
  for (const auto& col : columns_) header.push_back(col.header);
  emit(header, {});
  std::vector<std::string> rule;
  rule.reserve(width.size());
  for (std::size_t w : width) rule.emplace_back(w, '-');
  emit(rule, {});
  for (const auto& r : rows_) emit(r.cells, r.ansi);
  return out;
}

}  // namespace moat::bench::detail
