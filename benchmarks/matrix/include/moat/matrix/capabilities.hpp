// Linux capability sets as /proc/<pid>/status shows them (CapEff: hex mask),
// decoded to names, and the set Docker grants a container by default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moat::matrix {

// "00000000a80425fb" -> {"CAP_CHOWN", ...}; bits without a name become "CAP_<bit>".
std::vector<std::string> capability_names(std::uint64_t mask);
// The hex mask of a "CapEff:" (or other) line in /proc/self/status text.
std::optional<std::uint64_t> status_mask(const std::string& status_text, const std::string& field);
// Docker's default capability set (moby's oci/caps/defaults.go).
std::uint64_t docker_default_capabilities();
// A uid_map/gid_map that maps 0..4294967294 onto itself: no user namespace.
bool is_identity_map(const std::string& map_text);

}  // namespace moat::matrix
