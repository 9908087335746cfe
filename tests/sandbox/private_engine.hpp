// A dockerd of a test's own, for the tests that kill the engine or register
// broken runtimes (issue #11, point 5): its own socket, pidfile, data root,
// exec root (with its own managed containerd), its own bridge (never docker0:
// --bridge=none would make dockerd delete the host's docker0) and no
// iptables, so killing or breaking it cannot touch the machine's shared
// engine. Tests
// using it run serially (label "faults"). The destructor removes everything
// on every path: the engine's containers, the runtimes' stuck processes (a
// runtime script records its pid in pids_dir()), the daemons, the mounts
// and the directory.
#pragma once

#include <moat/support/process.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace moat::sandbox_test {

class PrivateEngine {
 public:
  // `extra_args` go to dockerd (e.g. "--add-runtime", "NAME={dir}/script"),
  // with "{dir}" replaced by dir() (dockerd does not look at a runtime's
  // path before it is used, so the script can be written afterwards).
  // Starts it and waits until it answers; throws std::runtime_error when it
  // does not.
  explicit PrivateEngine(std::vector<std::string> extra_args = {});
  ~PrivateEngine();
  PrivateEngine(const PrivateEngine&) = delete;
  PrivateEngine& operator=(const PrivateEngine&) = delete;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path socket() const { return dir_ / "docker.sock"; }
  // Where runtime scripts write the pids of what they leave hanging.
  [[nodiscard]] std::filesystem::path pids_dir() const { return dir_ / "pids"; }

  // Copies `image` from the shared engine (docker save, then load here).
  void load_image(const std::string& image) const;
  // SIGKILL to dockerd alone (its containerd and the containers live on).
  void kill_dockerd();
  // Starts dockerd again with the same arguments and waits for it.
  void start();
  // The ids of every container of this engine.
  [[nodiscard]] std::vector<std::string> containers() const;
  [[nodiscard]] std::vector<std::string> volumes() const;
  // The `docker -H unix://SOCKET ARGS...` output; throws when it fails.
  [[nodiscard]] std::string docker(const std::vector<std::string>& args) const;
  // SIGKILL to every pid recorded in pids_dir() (hung runtimes).
  void kill_recorded_pids() const;

 private:
  void kill_containerd() const;
  void kill_processes_using_dir() const;
  void teardown() noexcept;

  std::filesystem::path dir_;
  std::vector<std::string> extra_args_;
  std::string bridge_;  // its own, never docker0
  std::unique_ptr<moat::support::Process> dockerd_;
};

}  // namespace moat::sandbox_test
