// Whether a plugin file may be loaded at all: someone who can write the file
// or its folder could make moat run their code (osquery's safePermissions).
// Refused: a file or folder writable by group or others, or owned by anyone
// but root or the invoking user.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace moat::core {

// nullopt when safe; otherwise one line naming the path and the fix
// ("chmod go-w PATH", "chown root PATH"). A missing file is unsafe too.
// Checks the file (symlinks followed), the folder it is listed in, and the
// folder its real path lives in.
std::optional<std::string> unsafe_reason(const std::filesystem::path& file);

// Same, with the trusted owner given (tests; getuid() otherwise).
std::optional<std::string> unsafe_reason(const std::filesystem::path& file, uid_t invoking_uid);

}  // namespace moat::core
