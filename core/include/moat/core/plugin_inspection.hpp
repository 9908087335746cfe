// The steps of looking at one plugin file, shared by the examining child
// (moat-plugin-examiner: all steps, where a crash costs nothing) and the host
// (only open_plugin, for a file the child already passed).
#pragma once

#include <moat/plugin_abi.h>
#include <moat/core/dynamic_library.hpp>
#include <moat/core/plugin_record.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

namespace moat::core {

// Called before each step that runs plugin code, with the step's name:
// "loading" (dlopen: static constructors), "entry", "create", "describe",
// "destroy". The child reports these so a crash can be placed.
using PhaseFn = std::function<void(std::string_view phase)>;

struct OpenedPlugin {
  DynamicLibrary library;
  const moat_plugin_descriptor* descriptor = nullptr;
};

// Loads the file, calls its entry point and checks the descriptor; fills the
// record's identity and operations. On failure: nullopt, with status and
// reason set in `record`. Never throws for a bad plugin.
std::optional<OpenedPlugin> open_plugin(const std::filesystem::path& file, PluginRecord& record,
                                        const PhaseFn& phase = {});

// Creates an instance with config "{}", calls describe() and checks its
// answer, then destroys the instance. False (with status and reason set) on
// the first failure, including exceptions that escape the C ABI.
bool exercise_plugin(const moat_plugin_descriptor& descriptor, const moat_host_api* host, PluginRecord& record,
                     const PhaseFn& phase = {});

}  // namespace moat::core
