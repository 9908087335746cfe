#include "output.hpp"

#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace moat::cli {

void Output::document(nlohmann::json doc) {
  doc["schema_version"] = kJsonSchemaVersion;
  // Plugin text may hold invalid UTF-8; replace it rather than fail the command.
  out_ << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out_.flush();
}

void Output::table(const Table& t) {
  t.render(out_, color_);
  out_.flush();
}

void Output::line(std::string_view text) { out_ << sanitize(text) << '\n'; }

void Output::object(const char* key, const nlohmann::json& doc, std::string_view name,
                    const std::function<void(Table&)>& rows) {
  if (json()) {
    document({{key, doc}});
  } else if (quiet()) {
    line(name);
  } else {
    Table t;
    rows(t);
    table(t);
  }
}

bool use_color(int fd, bool no_color_flag) {
  if (no_color_flag) return false;
  if (const char* v = std::getenv("NO_COLOR"); v != nullptr && *v != '\0') return false;
  if (const char* t = std::getenv("TERM"); t != nullptr && std::strcmp(t, "dumb") == 0) return false;
  return ::isatty(fd) == 1;
}

}  // namespace moat::cli
