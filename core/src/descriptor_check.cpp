#include <moat/core/descriptor_check.hpp>

#include <cstring>

#include <fmt/format.h>

namespace moat::core {

namespace {

constexpr size_t kMaxIdLength = 64;
// Strings come from foreign memory: never read further than this.
constexpr size_t kMaxStringLength = 4096;

std::string bounded(const char* s) {
  if (s == nullptr) return {};
  return std::string(s, strnlen(s, kMaxStringLength));
}

}  // namespace

bool is_valid_plugin_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id.front())) return false;
  for (char c : id) {
    if (!lower_or_digit(c) && c != '-') return false;
  }
  return true;
}

DescriptorVerdict check_descriptor(const moat_plugin_descriptor* d, uint32_t host_major, uint32_t host_minor) {
  auto fail = [](PluginStatus status, std::string reason) { return DescriptorVerdict{status, std::move(reason)}; };
  if (d == nullptr) {
    return fail(PluginStatus::invalid_descriptor,
                fmt::format("{} returned NULL: the plugin refused this host (ABI {}.{})", MOAT_PLUGIN_ENTRY_SYMBOL,
                            host_major, host_minor));
  }
  // The first 8 bytes (size, major, minor) are the one layout every ABI keeps,
  // so the version is read before anything else is trusted.
  if (d->abi_major != host_major) {
    return fail(PluginStatus::abi_mismatch,
                fmt::format("ABI major {}, host supports {}: rebuild the plugin against this moat SDK", d->abi_major,
                            host_major));
  }
  if (d->abi_minor > host_minor) {
    return fail(PluginStatus::abi_mismatch,
                fmt::format("the plugin needs a host of ABI {}.{}, newer than this host's {}.{}: upgrade moat "
                            "(a plugin built against a newer SDK needs one only when it sets "
                            "MOAT_PLUGIN_MIN_HOST_MINOR)",
                            d->abi_major, d->abi_minor, host_major, host_minor));
  }
  if (d->struct_size < MOAT_DESCRIPTOR_MIN_SIZE) {
    return fail(PluginStatus::invalid_descriptor,
                fmt::format("descriptor is {} bytes, ABI {}.0 needs at least {}: rebuild the plugin against this moat "
                            "SDK",
                            d->struct_size, host_major, MOAT_DESCRIPTOR_MIN_SIZE));
  }
  if (d->id == nullptr) {
    return fail(PluginStatus::invalid_descriptor, "descriptor has no id");
  }
  const std::string id = bounded(d->id);
  if (!is_valid_plugin_id(id)) {
    return fail(PluginStatus::invalid_descriptor,
                fmt::format("id \"{}\" is not valid: it must match [a-z0-9][a-z0-9-]* (at most {} characters)", id,
                            kMaxIdLength));
  }
  const std::pair<const char*, bool> required[] = {
      {"create", d->create != nullptr},
      {"destroy", d->destroy != nullptr},
      {"free_string", d->free_string != nullptr},
      {"describe", d->describe != nullptr},
      {"probe", d->probe != nullptr},
  };
  for (const auto& [name, present] : required) {
    if (!present) {
      return fail(PluginStatus::invalid_descriptor,
                  fmt::format("plugin '{}' lacks the required function {}(): its descriptor must fill it", id, name));
    }
  }
  return {};
}

void copy_identity(const moat_plugin_descriptor& d, PluginRecord& record) {
  record.abi_major = d.abi_major;
  record.abi_minor = d.abi_minor;
  // Even a too-short descriptor usually names itself; that helps the report.
  if (MOAT_DESCRIPTOR_HAS(&d, id)) record.id = bounded(d.id);
  if (MOAT_DESCRIPTOR_HAS(&d, version)) record.version = bounded(d.version);
  if (MOAT_DESCRIPTOR_HAS(&d, description)) record.description = bounded(d.description);
  if (MOAT_DESCRIPTOR_HAS(&d, build_info)) record.build_info = bounded(d.build_info);
}

}  // namespace moat::core
