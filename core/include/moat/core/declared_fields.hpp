// No silent dropping: a request may set only the SandboxSpec fields the
// chosen plugin declares it honours (Capabilities::spec_fields; a plugin
// that declares nothing honours the fields of ABI 1.0).
#pragma once

#include <moat/model.hpp>

#include <string>
#include <vector>

namespace moat::core {

// The fields `capabilities` says the plugin honours.
std::vector<std::string> honoured_spec_fields(const Capabilities& capabilities);

// Throws moat::Error(MOAT_E_INVALID), one line, naming the first field `spec`
// sets that `capabilities` does not declare and what to do.
void check_declared_fields(const SandboxSpec& spec, const Capabilities& capabilities, const std::string& runtime_id);

}  // namespace moat::core
