// "scratch": a minimal third-party runtime plugin. Its sandboxes are
// directories under a scratch root and its exec runs nothing but reports what
// it would run, which is enough to show the whole plugin contract: identity,
// declared capabilities, a live probe, optional operations, and errors that
// reach the user as one clear line.
#include <moat/plugin.hpp>

#include <filesystem>
#include <string>
#include <system_error>

namespace {

class ScratchRuntime {
 public:
  ScratchRuntime(moat::sdk::Host host, const nlohmann::json& config)
      : host_(host), root_(config.value("root", std::string("/tmp/moat-scratch"))) {}

  moat::Capabilities describe() {
    moat::Capabilities c;
    c.isolation = "none";
    c.notes = {"example plugin: sandboxes are plain directories"};
    return c;
  }

  moat::ProbeResult probe() {
    moat::ProbeResult p;
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    p.available = !ec;
    p.reason = ec ? "cannot create " + root_.string() + ": " + ec.message() : "";
    p.version = "1.0.0";
    p.details = {{"root", root_.string()}};
    return p;
  }

  moat::SandboxInfo create_sandbox(const moat::SandboxSpec& spec) {
    if (spec.name.empty() || spec.name.find('/') != std::string::npos) {
      throw moat::Error(MOAT_E_INVALID, "sandbox name '" + spec.name + "' must be non-empty and contain no '/'");
    }
    std::filesystem::create_directories(root_ / spec.name);
    host_.info("created " + (root_ / spec.name).string());
    return inspect_sandbox(spec.name);
  }

  moat::SandboxInfo inspect_sandbox(const std::string& name) {
    if (!std::filesystem::is_directory(root_ / name)) {
      throw moat::Error(MOAT_E_NOT_FOUND, "no scratch sandbox named '" + name + "'");
    }
    moat::SandboxInfo info;
    info.name = name;
    info.runtime = "scratch";
    info.state = "created";
    return info;
  }

  void remove_sandbox(const std::string& name) { std::filesystem::remove_all(root_ / name); }

 private:
  moat::sdk::Host host_;
  std::filesystem::path root_;
};

}  // namespace

MOAT_PLUGIN_DEFINE(ScratchRuntime, "scratch", "1.0.0", "Example third-party plugin: sandboxes as directories")
