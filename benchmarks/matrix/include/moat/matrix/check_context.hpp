// What every probe works with: the sandbox service of its thread, the engine
// client for host-level facts and networks, the column it probes, the run's
// id and images, and a deadline.
#pragma once

#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/error.hpp>
#include <moat/matrix/model.hpp>
#include <moat/model.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// Label on every sandbox a probe creates: which probe made it.
inline constexpr const char* kCheckLabel = "moat.matrix-check";

struct Images {
  std::string base = "moat/base:busybox";   // fast probes: busybox has sh, nc, wget, httpd, ip, stat
  std::string dind = "moat/dind:bookworm";  // Docker-in-Docker probes: dockerd, docker, tini-static
};

// Thrown between steps once a probe's time limit has passed.
class CheckTimeout : public moat::Error {
 public:
  explicit CheckTimeout(const std::string& message) : moat::Error(MOAT_E_TIMEOUT, message) {}
};

// A probe's time limit. Checked between steps and handed to every exec as its
// own limit; a lifecycle call is bounded by the engine client's timeout.
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds limit);
  [[nodiscard]] double limit_s() const;
  [[nodiscard]] double remaining_s() const;  // >= 0
  // Throws CheckTimeout naming `step` when the limit has passed.
  void check(const std::string& step) const;
  // A limit for one exec: `wanted_s`, but no more than what is left (at least 1 s).
  [[nodiscard]] double exec_limit(double wanted_s) const;

 private:
  std::chrono::steady_clock::time_point start_;
  std::chrono::milliseconds limit_;
};

// Shared by every probe of one run (read-only while probes run).
struct RunInfo {
  std::string run_id;
  Images images;
  std::chrono::seconds check_timeout{120};
  engine::DockerClient* engine = nullptr;
  nlohmann::json host = nlohmann::json::object();  // host facts (host_facts.hpp)
  std::string peer_runtime;                        // the runtime network peers run on; empty = the probed one
  const std::atomic<bool>* cancel = nullptr;       // set once the run should stop
};

class CheckContext {
 public:
  CheckContext(core::SandboxService& service, const RunInfo& run, const Column& column, std::filesystem::path scratch);

  core::SandboxService& service() { return service_; }
  engine::DockerClient& engine() { return *run_.engine; }
  [[nodiscard]] const RunInfo& run() const { return run_; }
  [[nodiscard]] const Column& column() const { return column_; }
  // This column's host scratch directory (created on first use).
  const std::filesystem::path& scratch();

  // A name unique in this run: mx-<run>-<column>-<stem>-<n> (a valid sandbox and network name).
  std::string name(const std::string& stem);
  // Whether this column's sandboxes for this probe get the runtime's DinD mode.
  [[nodiscard]] bool dind_for(bool docker_check) const;
  // A spec for this column: its runtime, the image (the DinD image when it
  // gets DinD mode or `docker_check`), dind per the column's policy, and the
  // run's labels.
  [[nodiscard]] SandboxSpec spec(const std::string& name, const std::string& probe, bool docker_check = false) const;
  [[nodiscard]] bool cancelled() const { return run_.cancel != nullptr && run_.cancel->load(); }

 private:
  core::SandboxService& service_;
  const RunInfo& run_;
  const Column& column_;
  std::filesystem::path scratch_;
  bool scratch_made_ = false;
  int counter_ = 0;
};

}  // namespace moat::matrix
