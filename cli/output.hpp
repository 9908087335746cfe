// Where results go: stdout only, as a table (for people) or as one JSON
// document (for programs). Logs and errors never come through here.
#pragma once

#include "global_options.hpp"
#include "table.hpp"

#include <functional>
#include <ostream>
#include <string_view>

#include <nlohmann/json.hpp>

namespace moat::cli {

// Bumped when a field of any -o json document changes meaning or goes away
// (adding fields does not bump it). docs/cli.md documents each document.
inline constexpr int kJsonSchemaVersion = 1;

class Output {
 public:
  Output(std::ostream& out, OutputFormat format, bool color, bool quiet)
      : out_(out), format_(format), color_(color), quiet_(quiet) {}

  [[nodiscard]] bool json() const { return format_ == OutputFormat::json; }
  [[nodiscard]] bool quiet() const { return quiet_; }
  [[nodiscard]] bool color() const { return color_; }

  // Prints `doc` (an object) with "schema_version" added.
  void document(nlohmann::json doc);
  void table(const Table& t);
  // One line of plain text (control characters replaced).
  void line(std::string_view text);
  // The view of one object (a sandbox, a network, a snapshot): {key: doc}
  // with -o json, its name alone with -q, else the key/value rows `rows` adds.
  void object(const char* key, const nlohmann::json& doc, std::string_view name,
              const std::function<void(Table&)>& rows);

 private:
  std::ostream& out_;
  OutputFormat format_;
  bool color_;
  bool quiet_;
};

// Colour only on a terminal, and never with --no-color, NO_COLOR (set and
// non-empty, per no-color.org) or TERM=dumb.
bool use_color(int fd, bool no_color_flag);

}  // namespace moat::cli
