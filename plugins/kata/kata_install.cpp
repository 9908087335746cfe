#include "kata_install.hpp"

#include <moat/error.hpp>
#include <moat/support/json_read.hpp>

#include <filesystem>
#include <regex>
#include <sstream>

namespace moat::kata {

using json = nlohmann::json;

namespace {

// Where Kata's installers put the shim: the static tarball (Go runtime until
// 3.x, the Rust runtime-rs from 4.x), kata-manager's links, distro packages.
const std::vector<std::string>& shim_locations() {
  static const std::vector<std::string> paths = {
      "/opt/kata/bin/containerd-shim-kata-v2", "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2",
      "/usr/local/bin/containerd-shim-kata-v2", "/usr/bin/containerd-shim-kata-v2"};
  return paths;
}

// The shim's own lookup when no ConfigPath is given (Go: pkg/katautils;
// Rust: the same names under runtime-rs/), most specific first.
std::vector<std::string> default_configs(bool rust) {
  const std::string sub = rust ? "runtime-rs/" : "";
  return {"/etc/kata-containers/" + sub + "configuration.toml",
          "/usr/share/defaults/kata-containers/" + sub + "configuration.toml",
          "/opt/kata/share/defaults/kata-containers/" + sub + "configuration.toml"};
}

std::vector<std::string> variant_configs(const Variant& v) {
  if (v.config_file.empty()) return {};
  return {"/opt/kata/share/defaults/kata-containers/" + v.config_file,
          "/opt/kata/share/defaults/kata-containers/runtime-rs/" + v.config_file,
          "/usr/share/defaults/kata-containers/" + v.config_file, "/etc/kata-containers/" + v.config_file};
}

std::optional<std::string> first_existing(const std::vector<std::string>& paths, const support::HostFiles& files) {
  for (const auto& p : paths)
    if (files.exists(p)) return p;
  return std::nullopt;
}

bool is_rust_shim(const std::string& path) { return path.find("/runtime-rs/") != std::string::npos; }

// The hypervisor the configuration selects, checked against the variant's,
// and Firecracker's refusal under Docker.
void check_hypervisor(const Variant& v, Target& t, const support::HostFiles& files) {
  if (t.config.empty()) {
    t.details["hypervisor"] = nullptr;
    return;
  }
  auto text = files.read(t.config);
  if (!text) {
    t.failures.push_back("the configuration " + t.config + " cannot be read");
    return;
  }
  const std::string hv = configured_hypervisor(*text);
  t.details["hypervisor"] = hv;
  if (hv == "firecracker") {
    t.failures.push_back(
        "the configuration " + t.config +
        " selects Firecracker, which Kata refuses under Docker: Docker needs network device hotplug and Firecracker "
        "has only block-device hotplug (kata-containers#10661); without virtio-fs, bind mounts are copied into the "
        "guest, so a persistent /workspace cannot work. Use QEMU or Cloud Hypervisor (kata-qemu, kata-clh)");
    return;
  }
  if (!v.hypervisor.empty() && !hv.empty() && hv != v.hypervisor)
    t.failures.push_back("the configuration " + t.config + " selects hypervisor '" + hv + "', not '" + v.hypervisor +
                         "': set options.ConfigPath of '" + t.runtime + "' to Kata's " + v.config_file);
}

}  // namespace

const Variant& variant(const std::string& id) {
  static const std::vector<Variant> variants = {
      {"kata", "kata", "io.containerd.kata.v2", "", ""},
      {"kata-qemu", "kata-qemu", "io.containerd.kata-qemu.v2", "qemu", "configuration-qemu.toml"},
      {"kata-clh", "kata-clh", "io.containerd.kata-clh.v2", "clh", "configuration-clh.toml"}};
  for (const auto& v : variants)
    if (v.id == id) return v;
  throw moat::Error(MOAT_E_INTERNAL, "no Kata variant '" + id + "'");
}

std::string shim_binary(const std::string& runtime_type) {
  std::vector<std::string> parts;
  std::stringstream in(runtime_type);
  std::string part;
  while (std::getline(in, part, '.')) parts.push_back(part);
  if (parts.size() < 2) return "containerd-shim-" + runtime_type;
  return "containerd-shim-" + parts[parts.size() - 2] + "-" + parts.back();
}

bool is_shim_name(const std::string& runtime) {
  if (runtime.find('/') != std::string::npos) return false;
  const auto first = runtime.find('.');
  const auto last = runtime.rfind('.');
  return first != std::string::npos && last != first && first > 0 && last + 1 < runtime.size();
}

std::string daemon_config_path(const support::HostFiles& files) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(files.path("/proc"), ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    auto comm = files.read("/proc/" + pid + "/comm", 64);
    if (!comm || comm->rfind("dockerd", 0) != 0) continue;
    auto cmdline = files.read("/proc/" + pid + "/cmdline", 1 << 16);
    if (!cmdline) continue;
    std::vector<std::string> argv;
    std::stringstream in(*cmdline);
    std::string arg;
    while (std::getline(in, arg, '\0')) argv.push_back(arg);
    for (std::size_t i = 0; i < argv.size(); ++i) {
      if (argv[i] == "--config-file" && i + 1 < argv.size()) return argv[i + 1];
      if (argv[i].rfind("--config-file=", 0) == 0) return argv[i].substr(14);
    }
    break;  // a dockerd without --config-file reads the default
  }
  return "/etc/docker/daemon.json";
}

std::optional<std::vector<int>> parse_version(const std::string& text) {
  static const std::regex re(R"((\d+)\.(\d+)\.(\d+))");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  return std::vector<int>{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
}

std::string configured_hypervisor(const std::string& toml) {
  static const std::regex re(R"(^\s*\[hypervisor\.([A-Za-z0-9_-]+)\])");
  std::istringstream in(toml);
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, re)) return m[1];
  return {};
}

Target resolve(const Variant& v, const std::vector<std::string>& candidates, const json& info,
               const json& daemon_config, int docker_major, const support::HostFiles& files) {
  Target t;
  const json& registered = support::member(info, "Runtimes");
  const json& configured = support::member(daemon_config, "runtimes");
  for (const auto& name : candidates) {
    if (registered.is_object() && registered.contains(name)) {
      t.runtime = name;
      const std::string path = support::string_at(registered[name], "path");
      const json& entry = support::member(configured, name.c_str());
      t.details["registration"] = entry.is_object() ? entry : json(nullptr);
      if (!path.empty()) {
        t.how = "registered with the engine as an OCI runtime (path " + path + ")";
        t.failures.push_back("runtime '" + name + "' is registered as an OCI runtime (\"path\": \"" + path +
                             "\"), which Kata 1.x used; Kata 2+ is a containerd shim: register it with "
                             "\"runtimeType\" instead: " +
                             registration_hint(v, files));
        return t;
      }
      const std::string type = support::string_at(entry, "runtimeType");
      if (type.empty()) {
        t.how = "registered with the engine; its runtimeType is not in " +
                std::string(daemon_config.is_object() ? "the daemon configuration read"
                                                      : "a readable daemon configuration");
        return t;
      }
      t.how = "registered in the daemon configuration with runtimeType " + type;
      if (docker_major < 24)
        t.failures.push_back("runtimeType and options in daemon.json need Docker >= 24 (this engine is " +
                             support::string_at(info, "ServerVersion") + "); upgrade Docker");
      if (type.front() == '/') {
        t.shim = type;
        if (!files.executable(type)) t.failures.push_back("the registered shim " + type + " is not an executable file");
      } else {
        const std::string bin = shim_binary(type);
        if (auto found = files.find_program(bin))
          t.shim = *found;
        else
          t.failures.push_back("the registered runtimeType " + type + " needs " + bin + " on dockerd's PATH (" +
                               support::HostFiles::kServicePath + "), and it is not there");
      }
      t.rust = is_rust_shim(t.shim);
      const std::string config = support::string_at(support::member(entry, "options"), "ConfigPath");
      if (!config.empty()) {
        t.config = config;
        t.config_explicit = true;
        if (!files.exists(config)) {
          t.failures.push_back("options.ConfigPath of '" + name + "' is " + config + ", which does not exist");
          return t;
        }
      }
      break;
    }
    if (is_shim_name(name)) {
      const std::string bin = shim_binary(name);
      auto found = files.find_program(bin);
      t.details["shim_lookup"][bin] = found ? json(*found) : json(nullptr);
      if (!found) continue;
      t.runtime = name;
      t.shim = *found;
      t.rust = is_rust_shim(t.shim);
      t.how = "the containerd shim name " + name + " (" + bin + " on dockerd's PATH; not listed in /info)";
      // kata-deploy's per-hypervisor shims pass their own configuration.
      if (!v.config_file.empty())
        if (auto config = first_existing(variant_configs(v), files)) t.config = *config;
      break;
    }
  }
  if (t.runtime.empty()) {
    std::string tried;
    for (const auto& name : candidates) tried += (tried.empty() ? "" : ", ") + name;
    t.failures.push_back("no Kata runtime for " + v.id + ": none of " + tried +
                         " is registered with the engine or found as a shim on dockerd's PATH; register it in "
                         "daemon.json: " +
                         registration_hint(v, files));
    return t;
  }
  if (t.config.empty())
    if (auto config = first_existing(default_configs(t.rust), files)) t.config = *config;
  check_hypervisor(v, t, files);
  return t;
}

std::string registration_hint(const Variant& v, const support::HostFiles& files) {
  const std::string shim = first_existing(shim_locations(), files).value_or("/opt/kata/bin/containerd-shim-kata-v2");
  json entry = {{"runtimeType", shim}};
  if (!v.config_file.empty()) {
    auto configs = variant_configs(v);
    // The Rust shim reads runtime-rs/ configurations.
    if (is_rust_shim(shim)) std::swap(configs[0], configs[1]);
    entry["options"] = {{"ConfigPath", first_existing(configs, files).value_or(configs.front())}};
  }
  return json{{"runtimes", {{v.registered_name, entry}}}}.dump() + " (Docker >= 24), then 'systemctl reload docker'";
}

}  // namespace moat::kata
