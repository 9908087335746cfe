// Aligned text tables for the terminal. Cells come from plugins too, so
// every control character is replaced before it reaches the terminal.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace moat::cli {

enum class Style { plain, good, bad, warn, dim };

struct Cell {
  std::string text;
  Style style = Style::plain;
  Cell(std::string t = {}, Style s = Style::plain) : text(std::move(t)), style(s) {}  // NOLINT: implicit on purpose
  Cell(const char* t, Style s = Style::plain) : text(t), style(s) {}                  // NOLINT
};

class Table {
 public:
  // No headers: a plain two-or-more column listing (used for key/value views).
  explicit Table(std::vector<std::string> headers = {});
  void add_row(std::vector<Cell> cells);
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  // Columns are separated by two spaces; the last column is not padded.
  void render(std::ostream& out, bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

// Replaces control characters (ESC, newlines, ...) with a space.
std::string sanitize(std::string_view text);
// Width in terminal columns, counting UTF-8 code points.
std::size_t display_width(std::string_view text);

}  // namespace moat::cli
