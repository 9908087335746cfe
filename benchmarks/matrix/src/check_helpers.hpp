// Small helpers the requirement checks share (private to the matrix).
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace moat::matrix::detail {

// A host file's text without its trailing newlines; "" when unreadable.
std::string read_host_file(const std::filesystem::path& path);

// "key=value" lines (what the checks' in-sandbox scripts print) as a map;
// lines without '=' are skipped, the first '=' splits.
std::map<std::string, std::string> key_values(const std::string& text);

}  // namespace moat::matrix::detail
