// The checks a plugin descriptor must pass before the host calls anything in
// it (the contract in moat/plugin_abi.h). Each failure is a PluginStatus and a
// one-line reason that says what to do about it.
#pragma once

#include <moat/plugin_abi.h>
#include <moat/core/plugin_record.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace moat::core {

struct DescriptorVerdict {
  PluginStatus status = PluginStatus::ok;
  std::string reason;  // empty when ok

  [[nodiscard]] bool ok() const { return status == PluginStatus::ok; }
};

// `descriptor` is what moat_plugin_entry_v1 returned (may be NULL). The host
// ABI is a parameter so the rules can be tested against other versions.
DescriptorVerdict check_descriptor(const moat_plugin_descriptor* descriptor, uint32_t host_abi_major = MOAT_ABI_MAJOR,
                                   uint32_t host_abi_minor = MOAT_ABI_MINOR);

// [a-z0-9][a-z0-9-]*, at most 64 characters.
bool is_valid_plugin_id(std::string_view id);

// Copies id, version, description, build_info and ABI version into `record`.
// Only for a descriptor whose ABI major matched (the layout is then known).
void copy_identity(const moat_plugin_descriptor& descriptor, PluginRecord& record);

}  // namespace moat::core
