#include <moat/matrix/capabilities.hpp>

#include <array>
#include <sstream>

namespace moat::matrix {

namespace {

// Index = capability number (linux/capability.h).
constexpr std::array<const char*, 41> kNames = {"CAP_CHOWN",
                                                "CAP_DAC_OVERRIDE",
                                                "CAP_DAC_READ_SEARCH",
                                                "CAP_FOWNER",
                                                "CAP_FSETID",
                                                "CAP_KILL",
                                                "CAP_SETGID",
                                                "CAP_SETUID",
                                                "CAP_SETPCAP",
                                                "CAP_LINUX_IMMUTABLE",
                                                "CAP_NET_BIND_SERVICE",
                                                "CAP_NET_BROADCAST",
                                                "CAP_NET_ADMIN",
                                                "CAP_NET_RAW",
                                                "CAP_IPC_LOCK",
                                                "CAP_IPC_OWNER",
                                                "CAP_SYS_MODULE",
                                                "CAP_SYS_RAWIO",
                                                "CAP_SYS_CHROOT",
                                                "CAP_SYS_PTRACE",
                                                "CAP_SYS_PACCT",
                                                "CAP_SYS_ADMIN",
                                                "CAP_SYS_BOOT",
                                                "CAP_SYS_NICE",
                                                "CAP_SYS_RESOURCE",
                                                "CAP_SYS_TIME",
                                                "CAP_SYS_TTY_CONFIG",
                                                "CAP_MKNOD",
                                                "CAP_LEASE",
                                                "CAP_AUDIT_WRITE",
                                                "CAP_AUDIT_CONTROL",
                                                "CAP_SETFCAP",
                                                "CAP_MAC_OVERRIDE",
                                                "CAP_MAC_ADMIN",
                                                "CAP_SYSLOG",
                                                "CAP_WAKE_ALARM",
                                                "CAP_BLOCK_SUSPEND",
                                                "CAP_AUDIT_READ",
                                                "CAP_PERFMON",
                                                "CAP_BPF",
                                                "CAP_CHECKPOINT_RESTORE"};

}  // namespace

std::vector<std::string> capability_names(std::uint64_t mask) {
  std::vector<std::string> out;
  for (unsigned bit = 0; bit < 64; ++bit) {
    if ((mask & (std::uint64_t{1} << bit)) == 0) continue;
    out.push_back(bit < kNames.size() ? kNames[bit] : "CAP_" + std::to_string(bit));
  }
  return out;
}

std::optional<std::uint64_t> status_mask(const std::string& status_text, const std::string& field) {
  std::istringstream in(status_text);
  const std::string prefix = field + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream v(line.substr(prefix.size()));
    std::string hex;
    v >> hex;
    if (hex.empty() || hex.size() > 16 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return std::nullopt;
    return std::stoull(hex, nullptr, 16);
  }
  return std::nullopt;
}

std::uint64_t docker_default_capabilities() {
  std::uint64_t m = 0;
  for (unsigned bit : {0u, 1u, 3u, 4u, 5u, 6u, 7u, 8u, 10u, 13u, 18u, 27u, 29u, 31u}) m |= std::uint64_t{1} << bit;
  return m;
}

bool is_identity_map(const std::string& map_text) {
  std::istringstream in(map_text);
  std::string inside, outside, count;
  if (!(in >> inside >> outside >> count)) return false;
  std::string more;
  if (in >> more) return false;  // several ranges: a real mapping
  return inside == "0" && outside == "0" && count == "4294967295";
}

}  // namespace moat::matrix
