// build: (a) the reference C tree (benchmarks/workloads/c-tree) compiled with
// `make -jN` inside the sandbox, on the bind-mounted workspace and on the
// sandbox's own root filesystem, cold and warm; (b) `docker build` of the
// reference Dockerfile (benchmarks/workloads/dockerfile, its files/ taken
// from the C tree: see assemble_docker_context) by a Docker engine inside the
// sandbox, cold and warm cache.
//
// Timed: the exec of make / docker build, call to return (what a user
// running it in the sandbox waits for). Untimed: copying the tree, removing
// the previous image, changing the stamp.
//   make.<loc>.cold   after `rm -rf` and a fresh `cp -r` of the pristine tree (no outputs)
//   make.<loc>.warm   after `touch src/mod00.c` (one object recompiled, relinked)
//   docker.cold       `docker build --no-cache` after `docker rmi` of the previous result
//   docker.warm       `docker build` with the cache populated and only `stamp` changed
#include <moat/error.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/harness/scenarios.hpp>
#include <moat/harness/work_sandbox.hpp>
#include <moat/harness/workloads.hpp>

#include <filesystem>
#include <mutex>
#include <optional>

namespace moat::harness {
namespace {

namespace fs = std::filesystem;
using bench::Direction;
using bench::MetricInfo;
constexpr const char* kScenario = "build";
constexpr const char* kInnerImage = "moat-bench-img";

std::string make_metric(const std::string& location, const char* kind) { return "make." + location + "." + kind; }

// The checksum line build/ctree prints; every runtime must print the same.
class ChecksumRegistry {
 public:
  // Empty when consistent, else why not.
  std::string check(const std::string& line) {
    std::lock_guard lock(mutex_);
    if (!expected_) expected_ = line;
    return *expected_ == line ? std::string() : "build/ctree printed '" + line + "', expected '" + *expected_ + "'";
  }

 private:
  std::mutex mutex_;
  std::optional<std::string> expected_;
};

class BuildUnit : public ScenarioUnit {
 public:
  BuildUnit(Environment& env, std::string runtime, const BuildSettings& settings, ChecksumRegistry& checksums)
      : env_(env), runtime_(std::move(runtime)), settings_(settings), checksums_(checksums) {
    if (settings_.make) setup_make();
    if (settings_.docker) setup_docker();
  }

  void sample(SampleScope& scope) override {
    if (settings_.make) {
      for (const auto& location : settings_.locations) {
        env_.check_cancelled("between builds");
        if (make_error_) {
          scope.failure(make_metric(location, "cold"), *make_error_);
          scope.failure(make_metric(location, "warm"), *make_error_);
          continue;
        }
        sample_make(scope, location);
      }
    }
    if (settings_.docker && !env_.recorder().is_unsupported(runtime_, kScenario, "docker.cold")) {
      env_.check_cancelled("before docker build");
      if (docker_error_) {
        scope.failure("docker.cold", *docker_error_);
        scope.failure("docker.warm", *docker_error_);
      } else {
        sample_docker(scope);
      }
    }
  }

  void teardown() override {
    if (make_box_) make_box_->remove();
    if (docker_box_) docker_box_->remove();
  }

 private:
  void setup_make() {
    try {
      const fs::path ws = env_.make_work_dir("build-make", runtime_);
      copy_workload(env_.identity().workloads_dir, "c-tree", ws / "c-tree-src");
      SandboxSpec spec = env_.spec(env_.sandbox_name(kScenario, runtime_), runtime_, settings_.image);
      spec.workspace = ws.string();
      make_box_.emplace(env_, std::move(spec));
      make_box_->run({"make", "--version"}, 60);
      make_box_->run({"cc", "--version"}, 60);
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      make_error_ = std::string("setup failed: ") + e.what();
    }
  }

  void setup_docker() {
    const std::string reason_prefix = "Docker-in-Docker is not available on runtime '" + runtime_ + "': ";
    try {
      if (!env_.service().runtime(runtime_).describe().docker_in_docker) {
        for (const char* m : {"docker.cold", "docker.warm"})
          env_.recorder().unsupported(runtime_, kScenario, m,
                                      reason_prefix + "the runtime declares no Docker-in-Docker");
        return;
      }
    } catch (const moat::Error& e) {
      if (e.status() != MOAT_E_UNSUPPORTED) throw;  // no describe(): find out by trying
    }
    if (env_.engine() != nullptr && !env_.engine()->inspect_image(settings_.dind_image)) {
      docker_error_ = "setup failed: image " + settings_.dind_image +
                      " is not in the engine; run 'moat image prepare dind' once (it is cached)";
      return;
    }
    fs::path ws;
    try {
      ws = env_.make_work_dir("build-docker", runtime_);
      assemble_docker_context(env_.identity().workloads_dir, ws / "dockerfile");
      std::error_code ec;
      fs::copy_file(settings_.busybox, ws / "busybox", ec);
      if (ec)
        throw moat::Error(MOAT_E_FAILED, "the inner image's base needs a static busybox at " + settings_.busybox +
                                             " (" + ec.message() + ")");
    } catch (const std::exception& e) {
      docker_error_ = std::string("setup failed: ") + e.what();
      return;
    }
    SandboxSpec spec = env_.spec(env_.sandbox_name(kScenario, runtime_), runtime_, settings_.dind_image);
    spec.workspace = ws.string();
    spec.dind = true;
    try {
      docker_box_.emplace(env_, std::move(spec));
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      // The runtime could not give this sandbox a working inner Docker
      // engine (MOAT_E_UNSUPPORTED from the plugin, or the inner dockerd did
      // not start): the scenario cannot run here at all.
      env_.recorder().unsupported(runtime_, kScenario, "docker.cold", reason_prefix + e.what());
      env_.recorder().unsupported(runtime_, kScenario, "docker.warm", reason_prefix + e.what());
      return;
    }
    try {
      const std::string ctx = docker_box_->paths().workspace + "/dockerfile";
      docker_box_->run({"/bin/sh", ctx + "/make-base.sh", docker_box_->paths().workspace + "/busybox"}, 300);
      context_ = ctx;
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      docker_error_ = std::string("setup failed: importing the inner base image: ") + e.what();
    }
  }

  void sample_make(SampleScope& scope, const std::string& location) {
    const SandboxPaths& p = make_box_->paths();
    const std::string dir = location == "workspace" ? p.workspace + "/c-tree" : p.home + "/moat-build/c-tree";
    const std::string pristine = p.workspace + "/c-tree-src";
    const std::map<std::string, std::string> env = {{"MAKEFLAGS", ""}, {"LC_ALL", "C"}};
    const std::vector<std::string> make = {"make", "-C", dir, "-j" + std::to_string(settings_.jobs)};
    const std::string cold = make_metric(location, "cold"), warm = make_metric(location, "warm");
    std::string step = "copying the tree";
    try {
      make_box_->run(
          {"/bin/sh", "-c", "rm -rf \"$1\" && mkdir -p \"${1%/*}\" && cp -r \"$2\" \"$1\"", "sh", dir, pristine},
          settings_.timeout_s);
      step = "cold build";
      auto a = Clock::now();
      make_box_->run(make, settings_.timeout_s, env);
      const double cold_s = ms_between(a, Clock::now()) / 1000.0;
      step = "checking the cold build's program";
      check_program(dir);
      scope.value(cold, cold_s);
      step = "touching src/mod00.c";
      make_box_->run({"touch", dir + "/src/mod00.c"}, 60);
      step = "warm build";
      a = Clock::now();
      ExecResult r = make_box_->run(make, settings_.timeout_s, env);
      const double warm_s = ms_between(a, Clock::now()) / 1000.0;
      if (r.stdout_data.find("mod00.c") == std::string::npos)
        throw moat::Error(MOAT_E_FAILED, "the warm build did not recompile src/mod00.c after touching it (make said: " +
                                             tail_lines(r.stdout_data) + ")");
      step = "checking the warm build's program";
      check_program(dir);
      scope.value(warm, warm_s);
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      const std::string why = step + " in " + location + ": " + e.what();
      if (!scope.recorded(cold)) scope.failure(cold, why);
      if (!scope.recorded(warm)) scope.failure(warm, scope.recorded(cold) ? why : "not measured: " + why);
    }
  }

  void check_program(const std::string& dir) {
    ExecResult r = make_box_->run({dir + "/build/ctree"}, 60);
    std::string line = r.stdout_data;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (std::string why = checksums_.check(line); !why.empty()) throw moat::Error(MOAT_E_FAILED, why);
  }

  void sample_docker(SampleScope& scope) {
    const std::map<std::string, std::string> env = {{"DOCKER_BUILDKIT", "0"}};
    auto stamp = [&](const std::string& text) {
      docker_box_->run({"/bin/sh", "-c", "printf '%s\\n' \"$1\" > \"$2\"", "sh", text, context_ + "/stamp"}, 60);
    };
    const std::string rep = std::to_string(scope.repetition()) + (scope.warmup() ? "w" : "");
    std::string step = "removing the previous image";
    try {
      ExecRequest rmi{docker_box_->name(), {"docker", "rmi", "-f", kInnerImage}, {}, {}, {}, 120};
      (void)env_.service().exec(rmi);  // absent the first time: not an error
      stamp("cold " + rep);
      step = "cold docker build";
      auto a = Clock::now();
      docker_box_->run({"docker", "build", "--no-cache", "-t", kInnerImage, context_}, settings_.timeout_s, env);
      scope.value("docker.cold", ms_between(a, Clock::now()) / 1000.0);
      stamp("warm " + rep);
      step = "warm docker build";
      a = Clock::now();
      ExecResult r = docker_box_->run({"docker", "build", "-t", kInnerImage, context_}, settings_.timeout_s, env);
      const double warm_s = ms_between(a, Clock::now()) / 1000.0;
      if (r.stdout_data.find("Using cache") == std::string::npos)
        throw moat::Error(MOAT_E_FAILED,
                          "the warm docker build used no cached layer (" + tail_lines(r.stdout_data) + ")");
      scope.value("docker.warm", warm_s);
    } catch (const core::Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      const std::string why = step + ": " + e.what();
      if (!scope.recorded("docker.cold")) scope.failure("docker.cold", why);
      if (!scope.recorded("docker.warm"))
        scope.failure("docker.warm", scope.recorded("docker.cold") ? why : "not measured: " + why);
    }
  }

  Environment& env_;
  std::string runtime_;
  BuildSettings settings_;
  ChecksumRegistry& checksums_;
  std::optional<WorkSandbox> make_box_;
  std::optional<WorkSandbox> docker_box_;
  std::optional<std::string> make_error_;
  std::optional<std::string> docker_error_;
  std::string context_;
};

class BuildScenario : public Scenario {
 public:
  explicit BuildScenario(BuildSettings settings) : settings_(std::move(settings)) {
    for (const auto& l : settings_.locations)
      if (l != "workspace" && l != "rootfs")
        throw moat::Error(MOAT_E_INVALID, "build location '" + l + "': expected workspace or rootfs");
  }
  std::string name() const override { return kScenario; }
  nlohmann::json parameters() const override {
    return {{"make", settings_.make},
            {"docker", settings_.docker},
            {"image", settings_.image},
            {"dind_image", settings_.dind_image},
            {"jobs", settings_.jobs},
            {"locations", settings_.locations},
            {"busybox", settings_.busybox},
            {"timeout_s", settings_.timeout_s},
            {"docker_builder", "classic (DOCKER_BUILDKIT=0)"},
            {"tree", "benchmarks/workloads/c-tree"},
            {"dockerfile", "benchmarks/workloads/dockerfile"}};
  }
  std::vector<MetricInfo> metrics() const override {
    std::vector<MetricInfo> out;
    auto s = [](std::string metric, std::string description) {
      return MetricInfo{kScenario, std::move(metric), "s", Direction::lower_is_better, std::move(description)};
    };
    if (settings_.make)
      for (const auto& l : settings_.locations) {
        const std::string where = l == "workspace" ? "the bind-mounted workspace" : "the sandbox's root filesystem";
        out.push_back(s(make_metric(l, "cold"), "make -j" + std::to_string(settings_.jobs) +
                                                    " of the reference C tree on " + where +
                                                    " from a fresh copy: exec call to return"));
        out.push_back(s(make_metric(l, "warm"), "make -j" + std::to_string(settings_.jobs) + " on " + where +
                                                    " after touching one source file"));
      }
    if (settings_.docker) {
      out.push_back(
          s("docker.cold", "docker build --no-cache of the reference Dockerfile by the sandbox's inner engine"));
      out.push_back(s("docker.warm", "docker build with the cache populated and only the last COPY's file changed"));
    }
    return out;
  }
  std::unique_ptr<ScenarioUnit> prepare(Environment& env, const std::string& runtime) override {
    return std::make_unique<BuildUnit>(env, runtime, settings_, checksums_);
  }
  std::vector<std::string> images() const override {
    std::vector<std::string> out;
    if (settings_.make) out.push_back(settings_.image);
    if (settings_.docker) out.push_back(settings_.dind_image);
    return out;
  }

 private:
  BuildSettings settings_;
  ChecksumRegistry checksums_;
};

}  // namespace

std::unique_ptr<Scenario> make_build_scenario(const BuildSettings& settings) {
  return std::make_unique<BuildScenario>(settings);
}

}  // namespace moat::harness
