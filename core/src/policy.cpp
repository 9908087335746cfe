#include <moat/core/policy.hpp>

#include <moat/error.hpp>
#include <moat/support/spec_checks.hpp>

#include <algorithm>
#include <string_view>
#include <system_error>

namespace moat::core {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

[[noreturn]] void refuse(const std::string& message) { throw moat::Error(MOAT_E_INVALID, support::printable(message)); }

// The built-in protected paths; "/" protects itself only (everything lies below it).
const std::vector<std::string> kSystemPaths = {
    "/", "/etc", "/proc", "/sys", "/dev", "/boot", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker"};

template <typename T>
void add_unique(std::vector<T>& out, const T& p) {
  if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
}

// "/etc/" -> "/etc", so equal paths compare equal.
fs::path without_trailing_separator(fs::path p) {
  p = p.lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
  return p;
}

// The path as given and resolved: a protected /var/run/docker.sock is also
// /run/docker.sock when /var/run is a link to /run.
std::vector<fs::path> both_forms(const std::vector<fs::path>& paths) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    add_unique(out, without_trailing_separator(p));
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(p, ec);
    if (!ec) add_unique(out, without_trailing_separator(real));
  }
  return out;
}

// Why canonical `real` may not be bound: the protected path it is, lies below
// or contains; empty when none.
std::string protection_of(const fs::path& real, const std::vector<fs::path>& protected_paths) {
  for (const auto& p : protected_paths) {
    if (real == p) return "is the protected host path '" + p.string() + "'";
    if (p != "/" && is_within(real, p)) return "lies below the protected host path '" + p.string() + "'";
    if (is_within(p, real)) return "contains the protected host path '" + p.string() + "'";
  }
  return {};
}

void check_bind(const std::string& host_path, const std::string& field, const std::vector<fs::path>& protected_paths,
                const std::vector<fs::path>& allowed, PolicyDecision& decision) {
  std::error_code ec;
  const fs::path real = fs::canonical(host_path, ec);
  if (ec) refuse(field + ": cannot resolve host path '" + host_path + "' (" + ec.message() + ")");
  const std::string why = protection_of(real, protected_paths);
  if (why.empty()) return;
  if (std::any_of(allowed.begin(), allowed.end(), [&](const fs::path& a) { return is_within(real, a); })) {
    add_unique(decision.host_binds, real.string());
    return;
  }
  const std::string via = real.string() == host_path ? std::string() : " (it resolves to '" + real.string() + "')";
  refuse(field + ": host path '" + host_path + "'" + via + " " + why +
         " and is refused by default; to allow it, add it to policy.allow_host_binds in the configuration");
}

std::string option_string(const SandboxSpec& spec, const char* key) {
  if (!spec.options.is_object()) return {};
  auto it = spec.options.find(key);
  return it != spec.options.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void refuse_unless(bool allowed, const std::string& field, const std::string& what, const char* key) {
  if (!allowed)
    refuse(field + ": " + what + " and is refused by default; to allow it, set policy." + key +
           ": true in the configuration");
}

}  // namespace

bool is_within(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator of the root
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

std::vector<fs::path> protected_host_paths(const std::optional<std::string>& engine_socket,
                                           const std::optional<std::string>& engine_data_root,
                                           const std::vector<fs::path>& extra) {
  std::vector<fs::path> paths(kSystemPaths.begin(), kSystemPaths.end());
  if (engine_socket) {
    std::string_view s = *engine_socket;
    if (s.starts_with("unix://")) s.remove_prefix(7);
    if (!s.empty() && s.front() == '/') paths.emplace_back(s);
  }
  if (engine_data_root && !engine_data_root->empty() && engine_data_root->front() == '/')
    paths.emplace_back(*engine_data_root);
  paths.insert(paths.end(), extra.begin(), extra.end());
  return both_forms(paths);
}

PolicyDecision check_policy(const SandboxSpec& spec, const PolicyConfig& policy,
                            const std::vector<fs::path>& protected_paths) {
  PolicyDecision d;
  if (spec.labels.contains(kPolicyLabel))
    refuse(std::string("labels: '") + kPolicyLabel + "' is set by moat itself; remove it from the spec");

  if (spec.network == "host") {
    refuse_unless(policy.allow_host_network, "network",
                  "'host' gives the sandbox the host's network (every port and interface of the host)",
                  "allow_host_network");
    d.host_network = true;
  } else if (spec.network.starts_with("container:")) {
    refuse_unless(policy.allow_container_network, "network",
                  "'" + spec.network + "' joins another container's network namespace", "allow_container_network");
    d.container_network = true;
  }
  if (option_string(spec, "pid") == "host") {
    refuse_unless(policy.allow_host_pid, "options.pid", "'host' shows the sandbox every process of the host",
                  "allow_host_pid");
    d.host_pid = true;
  }
  if (option_string(spec, "ipc") == "host") {
    refuse_unless(policy.allow_host_ipc, "options.ipc", "'host' shares the host's IPC namespace with the sandbox",
                  "allow_host_ipc");
    d.host_ipc = true;
  }

  const std::vector<fs::path> allowed = both_forms(policy.allow_host_binds);
  if (!spec.workspace.empty()) check_bind(spec.workspace, "workspace", protected_paths, allowed, d);
  if (!spec.home.empty()) check_bind(spec.home, "home", protected_paths, allowed, d);
  for (std::size_t i = 0; i < spec.mounts.size(); ++i)
    if (spec.mounts[i].type == "bind")
      check_bind(spec.mounts[i].source, "mounts[" + std::to_string(i) + "].source", protected_paths, allowed, d);
  return d;
}

json to_json(const PolicyDecision& d) {
  return {{"host_binds", d.host_binds},
          {"host_network", d.host_network},
          {"host_pid", d.host_pid},
          {"host_ipc", d.host_ipc},
          {"container_network", d.container_network}};
}

std::optional<PolicyDecision> recorded_policy(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(kPolicyLabel);
  if (it == labels.end()) return std::nullopt;
  const json j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  PolicyDecision d;
  auto flag = [&](const char* key) {
    auto f = j.find(key);
    return f != j.end() && f->is_boolean() && f->get<bool>();
  };
  d.host_network = flag("host_network");
  d.host_pid = flag("host_pid");
  d.host_ipc = flag("host_ipc");
  d.container_network = flag("container_network");
  if (auto b = j.find("host_binds"); b != j.end() && b->is_array())
    for (const auto& p : *b)
      if (p.is_string()) d.host_binds.push_back(p.get<std::string>());
  return d;
}

}  // namespace moat::core
