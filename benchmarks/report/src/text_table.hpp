// A column-aligned plain-text table (internal). Widths count UTF-8 code
// points, so "±" or "—" do not shift the columns.
#pragma once

#include <string>
#include <vector>

namespace moat::bench::detail {

class TextTable {
 public:
  enum class Align { left, right };
  struct Column {
    std::string header;
    Align align = Align::left;
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // Throws std::invalid_argument when the row has a different number of cells.
  // `ansi` (e.g. "\x1b[33m") colours the whole line; it is not counted in widths.
  void add(std::vector<std::string> row, std::string ansi = {});
  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool empty() const { return rows_.empty(); }

 private:
  std::vector<Column> columns_;
  struct Row {
    std::vector<std::string> cells;
    std::string ansi;
  };
  std::vector<Row> rows_;
};

}  // namespace moat::bench::detail
