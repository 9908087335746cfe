// What a benchmark run measures and how much of it: the repetitions and
// warm-ups per scenario and every scenario's parameters. Two profiles ship:
// `quick` (the default; sized to finish in a few minutes on a 2-core machine
// for runc + gvisor + host) and `full` (publication-grade: more repetitions,
// bigger workloads). Every field ends up in the manifest's parameters.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::harness {

// The scenarios in the order a run measures them (and reports list them).
const std::vector<std::string>& scenario_names();

struct Repetitions {
  int warmup = 0;       // discarded runs before the measured ones (recorded, marked warmup)
  int repetitions = 1;  // measured runs per runtime
};

struct BootSettings {
  std::string image = "moat/base:busybox";
  double ready_timeout_s = 30;  // start returned -> marker seen, at most
  double poll_interval_ms = 1;  // sleep between two logs() polls
  double stop_timeout_s = 10;
};

struct BuildSettings {
  bool make = true;    // (a) the reference C tree with make
  bool docker = true;  // (b) docker build inside the sandbox (DinD)
  std::string image = "moat/bench:bookworm";
  std::string dind_image = "moat/dind:bookworm";
  int jobs = 2;                          // make -jN
  std::string busybox = "/bin/busybox";  // static busybox: the inner image's base
  double timeout_s = 900;                // one make or docker build, at most
  std::vector<std::string> locations = {"workspace", "rootfs"};
};

struct IoSettings {
  std::string image = "moat/bench:bookworm";
  std::vector<std::string> jobs = {"seqread-1m", "seqwrite-1m", "randread-4k", "randwrite-4k", "fsync-4k"};
  std::vector<std::string> locations = {"rootfs", "workspace", "volume"};
  std::string size = "64m";        // fio size= (MOAT_FIO_SIZE)
  std::string fsync_size = "16m";  // size= of the fsync job
  int runtime_s = 2;               // fio runtime= with time_based (MOAT_FIO_RUNTIME)
  double timeout_s = 300;
};

struct CpuSettings {
  std::string image = "moat/bench:bookworm";
  int rounds = 400;  // cpu_work ROUNDS: ~0.5 s of single-threaded work natively
  double timeout_s = 300;
};

struct DensitySettings {
  std::string image = "moat/base:busybox";
  int count = 5;  // sandboxes started at once
  double ready_timeout_s = 120;
};

struct Profile {
  std::string name;
  std::map<std::string, Repetitions> plans;  // per scenario
  BootSettings boot;
  BuildSettings build;
  IoSettings io;
  CpuSettings cpu;
  DensitySettings density;

  // The plan of `scenario` (1 repetition, no warm-up when not listed).
  [[nodiscard]] Repetitions plan(const std::string& scenario) const;
};

Profile quick_profile();
Profile full_profile();
// nullopt for an unknown name.
std::optional<Profile> find_profile(std::string_view name);
const std::vector<std::string>& profile_names();

nlohmann::json to_json(const Profile& p);

}  // namespace moat::harness
