#include <moat/core/broker_connection.hpp>
#include <moat/core/descriptor_check.hpp>
#include <moat/core/file_safety.hpp>
#include <moat/core/host_api.hpp>
#include <moat/core/in_process_connection.hpp>
#include <moat/core/plugin_examiner.hpp>
#include <moat/core/plugin_inspection.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/verdict_cache.hpp>
#include <moat/error.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace moat::core {

namespace {

bool is_plugin_file_name(const std::string& name) {
  return name.size() > 8 && name.rfind("moat-", 0) == 0 && name.ends_with(".so");
}

// Files named moat-*.so in the search dirs; for a given file name the first
// dir wins (an earlier --plugin-path shadows the built-in dir).
std::vector<std::filesystem::path> list_candidates(const std::vector<std::filesystem::path>& dirs) {
  std::vector<std::filesystem::path> found;
  std::set<std::string> names;
  for (const auto& d : dirs) {
    const auto dir = std::filesystem::absolute(d);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      spdlog::debug("plugin folder {} does not exist; skipped", dir.string());
      continue;
    }
    std::vector<std::filesystem::path> here;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      const auto name = it->path().filename().string();
      std::error_code type_ec;
      if (is_plugin_file_name(name) && it->is_regular_file(type_ec)) here.push_back(it->path());
    }
    if (ec) spdlog::warn("cannot list plugin folder {}: {}", dir.string(), ec.message());
    std::sort(here.begin(), here.end());
    for (auto& p : here) {
      if (names.insert(p.filename().string()).second) {
        found.push_back(std::move(p));
      } else {
        spdlog::debug("{} is shadowed by a file of the same name earlier in the plugin path", p.string());
      }
    }
  }
  return found;
}

std::string duplicate_reason(const std::string& id, const std::filesystem::path& first) {
  return fmt::format("id '{}' is already provided by {}: remove or rename one of the two", id, first.string());
}

}  // namespace

struct PluginRegistry::Impl {
  struct Loaded {
    const moat_plugin_descriptor* descriptor = nullptr;  // null when it runs in a broker
    std::filesystem::path path;
    std::vector<std::string> operations;
  };

  RegistryOptions options;
  std::unique_ptr<HostApi> own_host;  // when the caller gave none
  std::vector<PluginRecord> records;
  std::map<std::string, Loaded, std::less<>> loaded;  // by id
  // Kept for the registry's life (and RTLD_NODELETE beyond): never unloaded.
  std::map<std::filesystem::path, OpenedPlugin> libraries;

  const moat_host_api* host_api() const { return options.host_api != nullptr ? options.host_api : own_host->get(); }

  std::vector<PluginRecord> examine(const std::vector<std::filesystem::path>& files) const {
    if (files.empty()) return {};
    if (options.examiner.empty()) {
      throw Error(MOAT_E_INTERNAL, "no plugin examiner (moat-plugin-examiner) configured; reinstall moat");
    }
    return examine_in_children(files, options.examiner, options.examine_timeout);
  }

  // Files refused before any of their code runs.
  bool refuse_unsafe(PluginRecord& r) const {
    if (options.allow_unsafe) return false;
    if (auto why = unsafe_reason(r.path)) {
      r.status = PluginStatus::unsafe_permissions;
      r.reason = *why;
      return true;
    }
    return false;
  }

  Isolation isolation_of(std::string_view id, const std::filesystem::path& path) const {
    if (auto it = options.plugin_host.isolation.find(id); it != options.plugin_host.isolation.end()) return it->second;
    if (options.broker.empty()) return Isolation::in_process;
    const auto folder = path.parent_path().lexically_normal();
    for (const auto& d : options.shipped_dirs) {
      if (std::filesystem::absolute(d).lexically_normal() == folder) return Isolation::in_process;
    }
    return Isolation::process;
  }

  // Makes a plugin the child passed ready to open: loaded into this process
  // when it runs here, only remembered when it runs in a broker.
  void load(PluginRecord& r) {
    if (auto it = loaded.find(r.id); it != loaded.end()) {
      r.status = PluginStatus::duplicate_id;
      r.reason = duplicate_reason(r.id, it->second.path);
      return;
    }
    if (isolation_of(r.id, r.path) == Isolation::process) {
      loaded.emplace(r.id, Loaded{nullptr, r.path, r.operations});
      return;
    }
    auto lib = libraries.find(r.path);
    if (lib == libraries.end()) {
      PluginRecord fresh;
      fresh.path = r.path;
      auto opened = open_plugin(r.path, fresh);
      if (!opened) {
        // The file passed examination but not now (changed since, or the
        // cache is stale): the live answer wins.
        const bool cached = r.cached;
        r = std::move(fresh);
        r.cached = cached;
        return;
      }
      lib = libraries.emplace(r.path, std::move(*opened)).first;
    }
    const auto& d = *lib->second.descriptor;
    copy_identity(d, r);
    r.operations = supported_operations(d);
    if (auto it = loaded.find(r.id); it != loaded.end()) {
      r.status = PluginStatus::duplicate_id;
      r.reason = duplicate_reason(r.id, it->second.path);
      return;
    }
    loaded.emplace(r.id, Loaded{&d, r.path, r.operations});
  }
};

PluginRegistry::PluginRegistry(RegistryOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.host_api == nullptr) impl_->own_host = std::make_unique<HostApi>(nullptr, impl_->options.cancel);
}

PluginRegistry::~PluginRegistry() = default;

void PluginRegistry::discover() {
  auto& im = *impl_;
  im.records.clear();
  im.loaded.clear();

  std::optional<VerdictCache> cache;
  if (!im.options.cache_file.empty()) cache.emplace(im.options.cache_file);

  const auto candidates = list_candidates(im.options.search_dirs);
  std::vector<PluginRecord> records(candidates.size());
  std::vector<std::optional<FileStamp>> stamps(candidates.size());
  std::vector<size_t> to_examine;
  for (size_t i = 0; i < candidates.size(); ++i) {
    auto& r = records[i];
    r.path = candidates[i];
    if (im.refuse_unsafe(r)) continue;
    stamps[i] = stamp_of(r.path);
    if (cache && stamps[i]) {
      if (auto hit = cache->lookup(r.path, *stamps[i])) {
        r = std::move(*hit);
        r.path = candidates[i];
        continue;
      }
    }
    to_examine.push_back(i);
  }

  std::vector<std::filesystem::path> files;
  files.reserve(to_examine.size());
  for (size_t i : to_examine) files.push_back(candidates[i]);
  auto verdicts = im.examine(files);
  for (size_t k = 0; k < to_examine.size(); ++k) {
    const size_t i = to_examine[k];
    records[i] = std::move(verdicts[k]);
    if (cache && stamps[i]) cache->store(candidates[i], *stamps[i], records[i]);
  }

  if (cache) {
    cache->forget_missing();
    try {
      cache->save();
    } catch (const Error& e) {
      spdlog::warn("{}; plugins will be examined again next time", e.what());
    }
  }

  for (auto& r : records) {
    if (r.ok()) im.load(r);
    if (r.ok()) {
      spdlog::debug("plugin '{}' {} loaded from {}{}", r.id, r.version, r.path.string(), r.cached ? " (cached)" : "");
    } else {
      spdlog::debug("plugin {} refused ({}): {}", r.path.string(), to_string(r.status), r.reason);
    }
  }
  im.records = std::move(records);
}

std::vector<PluginRecord> PluginRegistry::check_files(const std::vector<std::filesystem::path>& files) {
  auto& im = *impl_;
  std::vector<PluginRecord> records(files.size());
  std::vector<size_t> to_examine;
  for (size_t i = 0; i < files.size(); ++i) {
    auto& r = records[i];
    r.path = std::filesystem::absolute(files[i]);
    std::error_code ec;
    if (!std::filesystem::exists(r.path, ec)) {
      r.status = PluginStatus::dlopen_failed;
      r.reason = fmt::format("no such file: {}", r.path.string());
      continue;
    }
    if (im.refuse_unsafe(r)) continue;
    to_examine.push_back(i);
  }
  std::vector<std::filesystem::path> paths;
  paths.reserve(to_examine.size());
  for (size_t i : to_examine) paths.push_back(records[i].path);
  auto verdicts = im.examine(paths);
  for (size_t k = 0; k < to_examine.size(); ++k) records[to_examine[k]] = std::move(verdicts[k]);

  // Ids must be unique among the files checked together, as in discover().
  std::map<std::string, std::filesystem::path> first_with;
  for (auto& r : records) {
    if (!r.ok()) continue;
    if (auto [it, inserted] = first_with.emplace(r.id, r.path); !inserted) {
      r.status = PluginStatus::duplicate_id;
      r.reason = duplicate_reason(r.id, it->second);
    }
  }
  return records;
}

const std::vector<PluginRecord>& PluginRegistry::records() const { return impl_->records; }

const PluginRecord* PluginRegistry::find(std::string_view id) const {
  const PluginRecord* any = nullptr;
  for (const auto& r : impl_->records) {
    if (r.id != id) continue;
    if (r.ok()) return &r;
    if (any == nullptr) any = &r;
  }
  return any;
}

std::unique_ptr<RuntimeHandle> PluginRegistry::open(std::string_view id, const nlohmann::json& config) const {
  const auto it = impl_->loaded.find(id);
  if (it == impl_->loaded.end()) {
    if (const auto* r = find(id)) {
      throw Error(MOAT_E_UNAVAILABLE,
                  fmt::format("runtime plugin '{}' ({}) is not usable: {}", id, r->path.string(), r->reason));
    }
    throw Error(MOAT_E_NOT_FOUND,
                fmt::format("no runtime plugin with id '{}' (`moat plugins list` shows the installed ones)", id));
  }
  const auto& plugin = it->second;
  const std::string body =
      config.is_null() ? "{}" : config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto& host = impl_->options.plugin_host;
  CallContext context;
  context.plugin_id = std::string(id);
  context.host = impl_->host_api();
  context.cancel = impl_->options.cancel;
  context.interrupt_grace = host.deadlines.interrupt_grace;
  context.max_answer_bytes = host.max_answer_bytes;
  std::unique_ptr<PluginConnection> connection;
  if (plugin.descriptor == nullptr) {
    if (impl_->options.broker.empty())
      throw Error(MOAT_E_INTERNAL, fmt::format("plugin '{}' must run in a broker, and no moat-plugin-broker is "
                                               "configured; reinstall moat",
                                               id));
    connection = std::make_unique<BrokerConnection>(impl_->options.broker, plugin.path, body, std::move(context),
                                                    host.deadlines.open);
  } else {
    connection =
        std::make_unique<InProcessConnection>(*plugin.descriptor, body, std::move(context), host.deadlines.open);
  }
  return std::make_unique<RuntimeHandle>(std::string(id), plugin.operations, std::move(connection), host.deadlines);
}

Isolation PluginRegistry::isolation_of(std::string_view id) const {
  const auto it = impl_->loaded.find(id);
  if (it == impl_->loaded.end()) return Isolation::in_process;
  return it->second.descriptor == nullptr ? Isolation::process : Isolation::in_process;
}

}  // namespace moat::core
