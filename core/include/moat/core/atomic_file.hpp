// Replacing a small state file (a cache) so that a reader sees the old
// content or the new, never half of one: write a temporary beside it, then
// rename it over.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace moat::core {

// Creates the parent directories as needed. nullopt on success, else why it
// could not be written (the temporary is removed).
std::optional<std::string> replace_file(const std::filesystem::path& file, const std::string& text);

}  // namespace moat::core
