#include "plugin_views.hpp"

#include <algorithm>

namespace moat::cli::commands {

Table records_table(const std::vector<core::PluginRecord>& records) {
  Table t({"ID", "VERSION", "STATUS", "PATH", "REASON"});
  for (const auto& r : records) {
    t.add_row({r.id.empty() ? "-" : r.id, r.version.empty() ? "-" : r.version,
               Cell(std::string(core::to_string(r.status)), r.ok() ? Style::good : Style::bad), r.path.string(),
               r.reason});
  }
  return t;
}

nlohmann::json records_json(const std::vector<core::PluginRecord>& records) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : records) a.push_back(r);
  return a;
}

std::string known_ids(const std::vector<core::PluginRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records)
    if (!r.id.empty() && std::find(ids.begin(), ids.end(), r.id) == ids.end()) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "none" : out;
}

}  // namespace moat::cli::commands
