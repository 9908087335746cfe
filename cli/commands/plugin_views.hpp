// How plugin records look in `plugins list` and `plugins check`, so both
// commands show the same columns and the same JSON.
#pragma once

#include "../table.hpp"

#include <moat/core/plugin_record.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::cli::commands {

// ID  VERSION  STATUS  PATH  REASON
Table records_table(const std::vector<core::PluginRecord>& records);
nlohmann::json records_json(const std::vector<core::PluginRecord>& records);
// "a, b, c" (or "none"): the ids that exist, for "did you mean" lines.
std::string known_ids(const std::vector<core::PluginRecord>& records);

}  // namespace moat::cli::commands
