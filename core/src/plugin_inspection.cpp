#include <moat/core/descriptor_check.hpp>
#include <moat/core/plugin_inspection.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/error.hpp>
#include <moat/model.hpp>

#include <exception>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace moat::core {

namespace {

void enter(const PhaseFn& phase, std::string_view name) {
  if (phase) phase(name);
}

// Text of the exception currently being handled (inside a catch block).
std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

bool fail(PluginRecord& record, PluginStatus status, std::string reason) {
  record.status = status;
  record.reason = std::move(reason);
  return false;
}

// Owns a string the plugin allocated.
struct PluginString {
  const moat_plugin_descriptor& d;
  char* s = nullptr;
  ~PluginString() {
    if (s != nullptr) d.free_string(s);
  }
  [[nodiscard]] std::string text() const { return s != nullptr ? std::string(s) : std::string(); }
};

}  // namespace

std::optional<OpenedPlugin> open_plugin(const std::filesystem::path& file, PluginRecord& record, const PhaseFn& phase) {
  enter(phase, "loading");
  std::optional<DynamicLibrary> library;
  try {
    library.emplace(file);
  } catch (const DynamicLibraryError& e) {
    fail(record, PluginStatus::dlopen_failed, e.what());
    return std::nullopt;
  }
  auto* entry = library->function<std::remove_pointer_t<moat_plugin_entry_fn>>(MOAT_PLUGIN_ENTRY_SYMBOL);
  if (entry == nullptr) {
    fail(record, PluginStatus::missing_entry,
         fmt::format("{} exports no {}(): not a moat plugin, or built without MOAT_PLUGIN_DEFINE", file.string(),
                     MOAT_PLUGIN_ENTRY_SYMBOL));
    return std::nullopt;
  }

  enter(phase, "entry");
  const moat_plugin_descriptor* descriptor = nullptr;
  try {
    descriptor = entry(MOAT_ABI_MAJOR, MOAT_ABI_MINOR);
  } catch (...) {
    fail(record, PluginStatus::invalid_descriptor,
         fmt::format("{}() let an exception escape through the C ABI: {}", MOAT_PLUGIN_ENTRY_SYMBOL,
                     current_exception_text()));
    return std::nullopt;
  }
  const auto verdict = check_descriptor(descriptor);
  // Same major: the layout is known, so even a refused plugin can be named.
  if (descriptor != nullptr && descriptor->abi_major == MOAT_ABI_MAJOR) {
    copy_identity(*descriptor, record);
  } else if (descriptor != nullptr) {
    record.abi_major = descriptor->abi_major;
    record.abi_minor = descriptor->abi_minor;
  }
  if (!verdict.ok()) {
    fail(record, verdict.status, verdict.reason);
    return std::nullopt;
  }
  record.operations = supported_operations(*descriptor);
  return OpenedPlugin{std::move(*library), descriptor};
}

bool exercise_plugin(const moat_plugin_descriptor& d, const moat_host_api* host, PluginRecord& record,
                     const PhaseFn& phase) {
  enter(phase, "create");
  moat_plugin* instance = nullptr;
  {
    PluginString error{d};
    try {
      instance = d.create(host, "{}", &error.s);
    } catch (...) {
      return fail(record, PluginStatus::create_failed,
                  fmt::format("create() let an exception escape through the C ABI: {}", current_exception_text()));
    }
    if (instance == nullptr) {
      const auto message = error.text();
      return fail(record, PluginStatus::create_failed,
                  message.empty() ? "create() returned NULL without a message" : "create() failed: " + message);
    }
  }

  enter(phase, "describe");
  bool ok = true;
  {
    PluginString response{d};
    moat_status status = MOAT_OK;
    bool leaked = false;
    try {
      status = d.describe(instance, "{}", &response.s);
    } catch (...) {
      leaked = true;
      ok = fail(record, PluginStatus::describe_failed,
                fmt::format("describe() let an exception escape through the C ABI ({}): the plugin must catch its "
                            "exceptions (MOAT_PLUGIN_DEFINE does)",
                            current_exception_text()));
    }
    if (!leaked && status != MOAT_OK) {
      std::string message = response.text();
      try {
        const auto j = nlohmann::json::parse(message);
        if (j.is_object() && j.contains("message") && j["message"].is_string()) message = j["message"];
      } catch (const nlohmann::json::exception&) {
      }
      ok = fail(record, PluginStatus::describe_failed,
                fmt::format("describe() failed ({}): {}", status_name(status), message));
    } else if (!leaked) {
      try {
        const auto j = nlohmann::json::parse(response.text());
        if (!j.is_object()) throw std::runtime_error("expected an object, got " + std::string(j.type_name()));
        (void)j.get<Capabilities>();
      } catch (const nlohmann::json::parse_error& e) {
        ok = fail(record, PluginStatus::describe_failed,
                  fmt::format("describe() returned malformed JSON: {}", e.what()));
      } catch (const std::exception& e) {
        ok = fail(record, PluginStatus::describe_failed,
                  fmt::format("describe() returned a document moat cannot read: {}", e.what()));
      }
    }
  }

  enter(phase, "destroy");
  try {
    d.destroy(instance);
  } catch (...) {
    return fail(record, PluginStatus::create_failed,
                fmt::format("destroy() let an exception escape through the C ABI: {}", current_exception_text()));
  }
  return ok;
}

}  // namespace moat::core
