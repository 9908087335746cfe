#include "table.hpp"

#include <algorithm>

namespace moat::cli {
namespace {

std::string_view ansi(Style s) {
  switch (s) {
    case Style::good:
      return "\x1b[32m";
    case Style::bad:
      return "\x1b[31m";
    case Style::warn:
      return "\x1b[33m";
    case Style::dim:
      return "\x1b[2m";
    case Style::plain:
      break;
  }
  return "";
}
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

void write_cell(std::ostream& out, const std::string& text, std::string_view color_code, bool color, std::size_t pad) {
  if (color && !color_code.empty())
    out << color_code << text << kReset;
  else
    out << text;
  for (std::size_t i = 0; i < pad; ++i) out << ' ';
}

}  // namespace

std::string sanitize(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<Cell> cells) {
  for (auto& c : cells) c.text = sanitize(c.text);
  rows_.push_back(std::move(cells));
}

void Table::render(std::ostream& out, bool color) const {
  std::size_t columns = headers_.size();
  for (const auto& r : rows_) columns = std::max(columns, r.size());
  std::vector<std::size_t> width(columns, 0);
  for (std::size_t i = 0; i < headers_.size(); ++i) width[i] = display_width(headers_[i]);
  for (const auto& r : rows_)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(r[i].text));

  auto emit = [&](const auto& cells, auto text_of, auto code_of) {
    // Trailing empty cells would only add trailing spaces.
    std::size_t last = cells.size();
    while (last > 0 && text_of(cells[last - 1]).empty()) --last;
    for (std::size_t i = 0; i < last; ++i) {
      const std::string& t = text_of(cells[i]);
      const std::size_t pad = i + 1 < last ? width[i] - display_width(t) + 2 : 0;
      write_cell(out, t, code_of(cells[i]), color, pad);
    }
    out << '\n';
  };
  if (!headers_.empty())
    emit(
        headers_, [](const std::string& h) -> const std::string& { return h; },
        [](const std::string&) { return kBold; });
  for (const auto& r : rows_)
    emit(
        r, [](const Cell& c) -> const std::string& { return c.text; }, [](const Cell& c) { return ansi(c.style); });
}

}  // namespace moat::cli
