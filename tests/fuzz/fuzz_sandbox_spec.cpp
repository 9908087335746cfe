// Sandbox specs as they reach the host and the plugins: JSON -> SandboxSpec
// (the wire format) -> moat::support::check_common_spec (what every plugin
// runs) and moat::core::validate_spec (the host's policy, with an allowed
// bind root).
//
// Input: a JSON spec. "@T" in the text stands for a scratch directory made
// once per process:
//   @T/root/ws/            a directory under the allowed root
//   @T/root/file           a file under it
//   @T/root/up  -> @T      symlink escaping the root (relative)
//   @T/root/etc -> /etc    symlink escaping the root (absolute)
//   @T/root/loop -> loop   a symlink loop
//   @T/outside/            a directory outside the root
//   @T/outside/a\nb/       ... and one whose name holds a newline
//
// Invariants: each validator accepts or throws moat::Error(MOAT_E_INVALID)
// with one printable line; validate_spec without roots agrees with
// check_common_spec; an accepted spec really obeys the rules (name, user,
// absolute targets without "..", known mount types, unique targets, bind
// sources resolving under the root) and stays accepted once its paths are
// resolved.
#include "fuzz_check.hpp"

#include <moat/core/sandbox_service.hpp>
#include <moat/support/spec_checks.hpp>
#include <moat/error.hpp>
#include <moat/model.hpp>

#include <unistd.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using moat::fuzz::expect;
using moat::fuzz::finding;

// A tree with the awkward cases of host paths: a file, links that climb out
// or loop, a link to /etc, a name with a newline.
class Scratch {
 public:
  Scratch() : tmp_("moat-fuzz-spec") {
    const fs::path& dir = tmp_.dir();
    fs::create_directories(dir / "root" / "ws");
    fs::create_directories(dir / "outside" / "a\nb");
    {
      std::FILE* f = std::fopen((dir / "root" / "file").c_str(), "w");
      if (f) std::fclose(f);
    }
    fs::create_symlink("..", dir / "root" / "up");
    fs::create_symlink("/etc", dir / "root" / "etc");
    fs::create_symlink("loop", dir / "root" / "loop");
    root_ = fs::canonical(dir / "root");
  }
  [[nodiscard]] const fs::path& dir() const { return tmp_.dir(); }
  [[nodiscard]] const fs::path& root() const { return root_; }

 private:
  moat::fuzz::ScratchDir tmp_;
  fs::path root_;
};

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool has_dotdot(std::string_view path) {
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

bool under(const fs::path& path, const fs::path& root) {
  const std::string p = path.string(), r = root.string();
  return p == r || (p.starts_with(r) && p[r.size()] == '/');
}

// Runs one validator: true when it accepted. Anything but success or
// moat::Error(MOAT_E_INVALID) with a one-line message is a finding.
template <typename F>
bool accepts(const char* who, F&& f) {
  try {
    f();
    return true;
  } catch (const moat::Error& e) {
    expect(e.status() == MOAT_E_INVALID, std::string(who) + " threw a status other than invalid: " + e.what());
    expect(*e.what() != '\0', std::string(who) + " threw an empty message");
    moat::fuzz::expect_one_line(e.what(), who);
    return false;
  } catch (const std::exception& e) {
    finding(std::string(who) + " threw something other than moat::Error: " + e.what());
  }
}

// What an accepted spec must look like, checked independently of spec_checks.cpp.
void check_accepted(const moat::SandboxSpec& spec, const fs::path& root, bool rooted) {
  expect(!spec.name.empty() && spec.name.size() <= 63 && is_alnum(spec.name.front()), "bad name accepted");
  for (char c : spec.name) expect(is_alnum(c) || c == '_' || c == '.' || c == '-', "bad name character accepted");
  if (!spec.user.empty()) {
    expect(spec.user.find('/') == std::string::npos && spec.user != "." && spec.user != "..",
           "an escaping user name was accepted");
    expect(spec.user.size() <= 32 && spec.user.front() != '-', "a bad user name was accepted");
    for (char c : spec.user) expect(is_alnum(c) || c == '_' || c == '.' || c == '-', "bad user character accepted");
  }
  std::set<std::string> targets;
  auto claim = [&](std::string t) {
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    expect(targets.insert(t).second, "two mounts on one target were accepted");
  };
  auto host_path = [&](const std::string& p) {
    expect(!p.empty() && p.front() == '/' && !has_dotdot(p), "a relative or '..' host path was accepted");
    // The kernel stops at a NUL: what was checked would not be what is mounted.
    expect(p.find('\0') == std::string::npos, "a host path with a NUL was accepted");
    std::error_code ec;
    const fs::path real = fs::canonical(p, ec);
    expect(!ec, "a host path that does not resolve was accepted");
    if (rooted) expect(under(real, root), "a host path outside the allowed root was accepted: " + real.string());
  };
  if (!spec.workspace.empty()) {
    host_path(spec.workspace);
    claim("/workspace");
  }
  if (!spec.home.empty()) {
    host_path(spec.home);
    claim(spec.user.empty() ? "/root" : "/home/" + spec.user);
  }
  for (const auto& m : spec.mounts) {
    expect(!m.target.empty() && m.target.front() == '/' && !has_dotdot(m.target), "a bad mount target was accepted");
    expect(m.target.find('\0') == std::string::npos, "a mount target with a NUL was accepted");
    expect(m.target.find_first_not_of('/') != std::string::npos, "a mount on / was accepted");
    if (m.type == "bind") {
      host_path(m.source);
    } else if (m.type == "volume") {
      expect(!m.source.empty() && is_alnum(m.source.front()), "a bad volume name was accepted");
    } else {
      expect(m.type == "tmpfs" && m.source.empty(), "an unknown mount type was accepted");
    }
    claim(m.target);
  }
  for (const auto& [k, v] : spec.env)
    expect(!k.empty() && k.find('=') == std::string::npos && k.find('\0') == std::string::npos,
           "a bad env name was accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  std::string text(reinterpret_cast<const char*>(data), size);
  for (std::size_t at = 0; (at = text.find("@T", at)) != std::string::npos;) {
    text.replace(at, 2, scratch.dir().string());
    at += scratch.dir().string().size();
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  moat::SandboxSpec spec;
  try {
    spec = j.get<moat::SandboxSpec>();
  } catch (const nlohmann::json::exception&) {
    return 0;  // a field of the wrong type: the wire format refuses it before any check
  }

  const bool common = accepts("check_common_spec", [&] { moat::support::check_common_spec(spec); });
  const bool open = accepts("validate_spec (no roots)", [&] { moat::core::validate_spec(spec, {}); });
  expect(common == open, "validate_spec without roots disagrees with check_common_spec");
  const std::vector<fs::path> roots{scratch.dir() / "root"};
  const bool rooted = accepts("validate_spec (one root)", [&] { moat::core::validate_spec(spec, roots); });
  if (rooted) expect(common, "validate_spec with a root accepted what check_common_spec refuses");
  if (common) check_accepted(spec, scratch.root(), false);
  if (rooted) {
    check_accepted(spec, scratch.root(), true);
    const moat::SandboxSpec resolved = moat::core::with_resolved_bind_paths(spec);
    expect(accepts("validate_spec (resolved)", [&] { moat::core::validate_spec(resolved, roots); }),
           "a spec stopped being accepted once its paths were resolved");
    check_accepted(resolved, scratch.root(), true);
  }
  return 0;
}
