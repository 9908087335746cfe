#include <moat/support/spec_checks.hpp>

#include <moat/error.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <filesystem>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>

namespace moat::support {
namespace {

[[noreturn]] void invalid(const std::string& message) { throw moat::Error(MOAT_E_INVALID, message); }

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool has_dotdot_component(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string shown(std::string_view s) { return "'" + printable(s) + "'"; }

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return out;
}

void check_sandbox_name(const std::string& name) { check_object_name(name, "name", "sandbox"); }

void check_object_name(const std::string& name, const std::string& field, const std::string& what) {
  if (name.empty())
    invalid(field + ": a " + what + " name is required ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters)");
  bool ok = name.size() <= 63 && is_alnum(name.front());
  for (char c : name) ok = ok && (is_alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    invalid(field + ": " + shown(name) + " is not a valid " + what +
            " name; use 1-63 characters [a-zA-Z0-9_.-] starting with a letter or digit");
}

void check_user_name(const std::string& user, const char* field) {
  std::string f = field;
  if (user.empty()) invalid(f + ": is empty; give a user name or leave the field out");
  if (user.find('/') != std::string::npos)
    invalid(f + ": " + shown(user) + " contains '/'; a user name becomes /home/<user> and must not contain a slash");
  if (user == "." || user == "..")
    invalid(f + ": " + shown(user) + " is not a user name; it would make the home directory escape /home");
  bool ok = user.size() <= 32 && user.front() != '-';
  for (char c : user) ok = ok && (is_alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    invalid(f + ": " + shown(user) +
            " is not a valid user name; use 1-32 characters [A-Za-z0-9._-], not starting with '-'");
}

void check_host_path(const std::string& path, const std::string& field, bool must_be_directory) {
  if (path.empty()) invalid(field + ": the host path is empty; give an absolute path");
  if (path.front() != '/')
    invalid(field + ": host path " + shown(path) + " is relative; give an absolute path (e.g. $PWD/" + printable(path) +
            ")");
  // The kernel reads a path up to its first NUL: what would be checked is not what would be mounted.
  if (path.find('\0') != std::string::npos) invalid(field + ": host path " + shown(path) + " contains a NUL character");
  if (has_dotdot_component(path))
    invalid(field + ": host path " + shown(path) + " contains '..'; give the resolved absolute path");
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    invalid(field + ": host path " + shown(path) + " does not exist; create it first (mkdir -p " + printable(path) +
            ")");
  if (must_be_directory && !std::filesystem::is_directory(st))
    invalid(field + ": host path " + shown(path) + " is not a directory");
}

void check_target_path(const std::string& path, const std::string& field) {
  if (path.empty() || path.front() != '/')
    invalid(field + ": sandbox path " + shown(path) + " must be absolute (e.g. /data)");
  if (has_dotdot_component(path)) invalid(field + ": sandbox path " + shown(path) + " contains '..'");
  if (path.find('\0') != std::string::npos)
    invalid(field + ": sandbox path " + shown(path) + " contains a NUL character");
  if (path.find_first_not_of('/') == std::string::npos)
    invalid(field + ": cannot mount over the sandbox's root '/'; choose a directory such as /data");
}

void check_volume_name(const std::string& name, const std::string& field) {
  bool ok = !name.empty() && is_alnum(name.front());
  for (char c : name) ok = ok && (is_alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok) invalid(field + ": " + shown(name) + " is not a valid volume name; use [a-zA-Z0-9][a-zA-Z0-9_.-]*");
}

void check_env_name(const std::string& name, const std::string& field) {
  if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
    invalid(field + ": " + shown(name) + " is not a valid environment variable name (non-empty, no '=')");
}

std::string home_target(const std::string& user) { return user.empty() ? "/root" : "/home/" + user; }

void check_limits(const ResourceLimits& limits) {
  if (limits.cpus && !(*limits.cpus >= 0.01 && *limits.cpus <= 1024))
    invalid("limits.cpus: " + std::to_string(*limits.cpus) + " is out of range; give 0.01 to 1024 CPUs (e.g. 1.5)");
  if (limits.memory_bytes && *limits.memory_bytes < kMinMemoryBytes)
    invalid("limits.memory: " + std::to_string(*limits.memory_bytes) +
            " bytes is below the 6 MiB a container needs to start; give at least 6m");
  if (limits.pids && *limits.pids < 1)
    invalid("limits.pids: " + std::to_string(*limits.pids) + " is not a process count; give 1 or more");
}

void check_restart_policy(const std::string& policy) {
  if (policy.empty() || policy == "no" || policy == "always" || policy == "unless-stopped" || policy == "on-failure")
    return;
  if (policy.starts_with("on-failure:")) {
    const std::string n = policy.substr(11);
    if (!n.empty() && n.size() <= 6 && n.find_first_not_of("0123456789") == std::string::npos) return;
  }
  invalid("restart: " + shown(policy) + " is not a restart policy; use no, always, unless-stopped or on-failure[:N]");
}

void check_ports(const std::vector<PortMapping>& ports) {
  std::set<std::tuple<std::string, std::uint16_t, std::string>> host_side;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const PortMapping& p = ports[i];
    const std::string f = "ports[" + std::to_string(i) + "]";
    if (p.container_port == 0) invalid(f + ".container_port: give the port inside the sandbox (1-65535)");
    if (p.protocol != "tcp" && p.protocol != "udp" && p.protocol != "sctp")
      invalid(f + ".protocol: " + shown(p.protocol) + " is not a protocol; use tcp, udp or sctp");
    if (!p.host_ip.empty()) {
      std::array<unsigned char, sizeof(in6_addr)> buf{};
      const bool ip = inet_pton(AF_INET, p.host_ip.c_str(), buf.data()) == 1 ||
                      inet_pton(AF_INET6, p.host_ip.c_str(), buf.data()) == 1;
      if (!ip) invalid(f + ".host_ip: " + shown(p.host_ip) + " is not an IP address (e.g. 127.0.0.1 or ::1)");
    }
    if (p.host_port != 0 && !host_side.insert({p.host_ip, p.host_port, p.protocol}).second)
      invalid(f + ".host_port: " + std::to_string(p.host_port) + "/" + p.protocol +
              " is published twice; each host port may be used once");
  }
}

void check_common_spec(const SandboxSpec& spec) {
  check_sandbox_name(spec.name);
  if (!spec.user.empty()) check_user_name(spec.user);
  std::set<std::string> targets;
  auto claim = [&](const std::string& target, const std::string& field) {
    std::string t = target;
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    if (!targets.insert(t).second)
      invalid(field + ": " + shown(target) + " is already a mount target in this spec; each target may be used once");
  };
  if (!spec.workspace.empty()) {
    check_host_path(spec.workspace, "workspace", true);
    claim("/workspace", "workspace");
  }
  if (!spec.home.empty()) {
    check_host_path(spec.home, "home", true);
    claim(home_target(spec.user), "home");
  }
  for (std::size_t i = 0; i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    const std::string f = "mounts[" + std::to_string(i) + "]";
    check_target_path(m.target, f + ".target");
    if (m.type == "bind") {
      check_host_path(m.source, f + ".source");
    } else if (m.type == "volume") {
      check_volume_name(m.source, f + ".source");
    } else if (m.type == "tmpfs") {
      if (!m.source.empty()) invalid(f + ".source: a tmpfs mount takes no source (got " + shown(m.source) + ")");
    } else {
      invalid(f + ".type: " + shown(m.type) + " is not a mount type; use bind, volume or tmpfs");
    }
    claim(m.target, f + ".target");
  }
  for (const auto& [k, v] : spec.env) check_env_name(k, "env");
  check_limits(spec.limits);
  check_restart_policy(spec.restart);
  check_ports(spec.ports);
  if (spec.entrypoint)
    for (const auto& arg : *spec.entrypoint)
      if (arg.find('\0') != std::string::npos) invalid("entrypoint: an argument contains a NUL character");
}

}  // namespace moat::support
