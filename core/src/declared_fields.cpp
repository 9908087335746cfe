#include <moat/core/declared_fields.hpp>

#include <moat/error.hpp>
#include <moat/spec_fields.hpp>

#include <algorithm>

namespace moat::core {

std::vector<std::string> honoured_spec_fields(const Capabilities& capabilities) {
  return capabilities.spec_fields ? *capabilities.spec_fields : abi_1_0_spec_fields();
}

void check_declared_fields(const SandboxSpec& spec, const Capabilities& capabilities, const std::string& runtime_id) {
  const std::vector<std::string> honoured = honoured_spec_fields(capabilities);
  for (const std::string& field : spec_fields_in_use(spec)) {
    if (std::find(honoured.begin(), honoured.end(), field) != honoured.end()) continue;
    const bool pre_1_1 = !capabilities.spec_fields;
    throw moat::Error(MOAT_E_INVALID,
                      field + ": runtime '" + runtime_id + "' does not honour this field" +
                          (pre_1_1 ? " (its plugin predates ABI 1.1 and declares no spec_fields)" : "") +
                          "; leave it out, or choose a runtime that lists it ('moat plugins info " + runtime_id +
                          "' shows what it honours)");
  }
}

}  // namespace moat::core
