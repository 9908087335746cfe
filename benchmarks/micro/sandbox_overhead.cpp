// What moat's sandbox path costs on top of the Docker Engine it drives
// (issue 3's numbers). Two modes, both printing figures and asserting nothing:
//
//   sandbox_overhead api [N]
//     (a) create -> start -> exec `true` -> remove through SandboxService (the
//     C++ API, runtime runc) against the same Engine API calls made by a
//     minimal raw client written here (a POSIX unix socket and hand-written
//     HTTP/1.1: no curl, no Beast). Interleaved (ABBA), after a warm-up;
//     medians of N (default 10) and their ratio.
//
//   sandbox_overhead cli MOAT [N]
//     (b) `moat sandbox create --start`, `moat sandbox exec -- true`,
//     `moat sandbox rm` against `docker run -d`, `docker exec`, `docker rm -f`,
//     interleaved, medians of N and their ratio; (c) the peak RSS of each moat
//     command (the child's ru_maxrss, from moat::support::Process).
//
// Image: moat/base:busybox when present, else moat-test/busybox:latest.
// Every container carries moat.managed=true and moat.run-id=bench_sandbox_overhead
// and is removed at the end whatever happens.
#include <moat/core/config.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/support/process.hpp>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#ifndef MOAT_BENCH_PLUGIN_DIR
#error "MOAT_BENCH_PLUGIN_DIR must name the build tree's plugin folder"
#endif
#ifndef MOAT_BENCH_EXAMINER
#error "MOAT_BENCH_EXAMINER must name moat-plugin-examiner"
#endif

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kRunId = "bench_sandbox_overhead";
// The same main process moat's Docker-backed plugins give a sandbox without a command.
const std::vector<std::string> kKeepAlive = {
    "/bin/sh", "-c", "trap 'exit 0' TERM INT; echo moat-ready; while :; do sleep 1 & wait $!; done"};

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---- a minimal Engine API client: one connection per request -----------------

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

struct RawResponse {
  int status = 0;
  std::string body;
};

class RawEngine {
 public:
  explicit RawEngine(std::string socket_path) : socket_(std::move(socket_path)) {}

  // One HTTP/1.1 exchange with "Connection: close": the body is everything
  // until the engine closes (de-chunked when chunked).
  RawResponse request(const std::string& method, const std::string& target, const std::string& body = {}) const {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw std::runtime_error("socket failed");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect to " + socket_ + ": " + std::strerror(errno));
    std::string req = method + " /v1.41" + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n";
    if (!body.empty() || method == "POST")
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    for (std::size_t off = 0; off < req.size();) {
      const ssize_t n = ::write(fd.get(), req.data() + off, req.size() - off);
      if (n <= 0) throw std::runtime_error("write to the engine failed");
      off += static_cast<std::size_t>(n);
    }
    std::string raw;
    char buf[16384];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      raw.append(buf, static_cast<std::size_t>(n));
    }
    RawResponse r;
    const auto head_end = raw.find("\r\n\r\n");
    if (raw.size() < 12 || head_end == std::string::npos) throw std::runtime_error("malformed engine response");
    r.status = std::atoi(raw.c_str() + 9);
    std::string head = raw.substr(0, head_end);
    std::string rest = raw.substr(head_end + 4);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
      std::size_t pos = 0;
      while (pos < rest.size()) {
        const auto eol = rest.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const std::size_t len = std::stoul(rest.substr(pos, eol - pos), nullptr, 16);
        if (len == 0) break;
        r.body.append(rest, eol + 2, len);
        pos = eol + 2 + len + 2;
      }
    } else {
      r.body = std::move(rest);
    }
    if (r.status >= 400)
      throw std::runtime_error(method + " " + target + ": HTTP " + std::to_string(r.status) + " " + r.body);
    return r;
  }

 private:
  std::string socket_;
};

// ---- (a) the C++ API path vs the raw calls ----------------------------------

struct Steps {
  double up = 0;      // create + start
  double exec = 0;    // exec `true` (create, start and read, exit code)
  double remove = 0;  // force remove
  [[nodiscard]] double total() const { return up + exec + remove; }
};

Steps raw_cycle(const RawEngine& engine, const std::string& name, const std::string& image) {
  Steps s;
  auto t = Clock::now();
  const json create = {{"Image", image},
                       {"Entrypoint", kKeepAlive},
                       {"Hostname", name},
                       {"Labels", {{"moat.managed", "true"}, {"moat.run-id", kRunId}, {"moat.name", name}}},
                       {"HostConfig", {{"Runtime", "runc"}, {"Privileged", false}}}};
  const std::string id = json::parse(engine.request("POST", "/containers/create?name=" + name, create.dump()).body)
                             .at("Id")
                             .get<std::string>();
  engine.request("POST", "/containers/" + id + "/start");
  s.up = ms_since(t);

  t = Clock::now();
  const json exec = {{"AttachStdout", true}, {"AttachStderr", true}, {"Cmd", {"true"}}};
  const std::string exec_id =
      json::parse(engine.request("POST", "/containers/" + id + "/exec", exec.dump()).body).at("Id").get<std::string>();
  engine.request("POST", "/exec/" + exec_id + "/start", json{{"Detach", false}, {"Tty", false}}.dump());
  const int code = json::parse(engine.request("GET", "/exec/" + exec_id + "/json").body).value("ExitCode", -1);
  if (code != 0) throw std::runtime_error("raw exec of true exited " + std::to_string(code));
  s.exec = ms_since(t);

  t = Clock::now();
  engine.request("DELETE", "/containers/" + id + "?force=1&v=1");
  s.remove = ms_since(t);
  return s;
}

Steps api_cycle(moat::core::SandboxService& service, const std::string& name, const std::string& image) {
  Steps s;
  moat::SandboxSpec spec;
  spec.name = name;
  spec.runtime = "runc";
  spec.image = image;
  spec.labels[moat::kRunIdLabel] = kRunId;
  auto t = Clock::now();
  service.create(spec, true);
  s.up = ms_since(t);

  t = Clock::now();
  moat::ExecRequest req;
  req.name = name;
  req.argv = {"true"};
  const auto r = service.exec(req);
  if (r.exit_code != 0) throw std::runtime_error("exec of true exited " + std::to_string(r.exit_code));
  s.exec = ms_since(t);

  t = Clock::now();
  service.remove(name);
  s.remove = ms_since(t);
  return s;
}

void print_steps(const char* label, const std::vector<Steps>& runs) {
  std::vector<double> up, exec, rm, total;
  for (const auto& s : runs) {
    up.push_back(s.up);
    exec.push_back(s.exec);
    rm.push_back(s.remove);
    total.push_back(s.total());
  }
  std::printf("%-34s total %7.1f ms   (create+start %6.1f, exec %5.1f, remove %5.1f)\n", label, median(total),
              median(up), median(exec), median(rm));
}

double median_total(const std::vector<Steps>& runs) {
  std::vector<double> t;
  t.reserve(runs.size());
  for (const auto& s : runs) t.push_back(s.total());
  return median(t);
}

// ---- (b), (c): the CLIs -------------------------------------------------------

struct ChildRun {
  double ms = 0;
  long max_rss_kib = 0;
  int exit_code = -1;
};

ChildRun run_child(const std::vector<std::string>& argv) {
  moat::support::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.out = moat::support::Output::null;
  spawn.err = moat::support::Output::inherit;
  const auto t = Clock::now();
  moat::support::Process child(spawn);
  child.reap();
  ChildRun r;
  r.ms = ms_since(t);
  r.max_rss_kib = child.resource_usage().ru_maxrss;
  const int code = moat::support::exit_code_of(child.wait_status());
  r.exit_code = WIFEXITED(child.wait_status()) ? code : -1;
  return r;
}

ChildRun must(const std::vector<std::string>& argv) {
  ChildRun r = run_child(argv);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("'" + cmd + "' exited " + std::to_string(r.exit_code));
  }
  return r;
}

struct CliCycle {
  double create = 0, exec = 0, remove = 0;
  long rss_create = 0, rss_exec = 0, rss_remove = 0;
  [[nodiscard]] double total() const { return create + exec + remove; }
};

CliCycle moat_cycle(const std::string& moat, const std::string& name, const std::string& image) {
  CliCycle c;
  auto a = must({moat, "sandbox", "create", name, "--runtime", "runc", "--image", image, "--start", "--label",
                 std::string("moat.run-id=") + kRunId});
  auto b = must({moat, "sandbox", "exec", name, "--", "true"});
  auto d = must({moat, "sandbox", "rm", name});
  c.create = a.ms;
  c.exec = b.ms;
  c.remove = d.ms;
  c.rss_create = a.max_rss_kib;
  c.rss_exec = b.max_rss_kib;
  c.rss_remove = d.max_rss_kib;
  return c;
}

CliCycle docker_cycle(const std::string& name, const std::string& image) {
  CliCycle c;
  std::vector<std::string> run = {"docker",
                                  "run",
                                  "-d",
                                  "--runtime",
                                  "runc",
                                  "--name",
                                  name,
                                  "--label",
                                  "moat.managed=true",
                                  "--label",
                                  std::string("moat.run-id=") + kRunId,
                                  "--entrypoint",
                                  kKeepAlive[0],
                                  image};
  run.insert(run.end(), kKeepAlive.begin() + 1, kKeepAlive.end());
  c.create = must(run).ms;
  c.exec = must({"docker", "exec", name, "true"}).ms;
  c.remove = must({"docker", "rm", "-f", name}).ms;
  return c;
}

// ---- driver ---------------------------------------------------------------------

void cleanup(moat::engine::DockerClient& client) {
  try {
    for (const auto& c : client.list_containers({{"moat.run-id", kRunId}}, true))
      client.remove_container(c.at("Id").get<std::string>(), true, true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cleanup: %s\n", e.what());
  }
}

std::string pick_image(moat::engine::DockerClient& client) {
  for (const char* image : {"moat/base:busybox", "moat-test/busybox:latest"})
    if (client.inspect_image(image)) return image;
  throw std::runtime_error(
      "neither moat/base:busybox nor moat-test/busybox:latest is in the engine: run 'moat image "
      "prepare base'");
}

std::string name_for(const char* kind, int i) {
  return "moat-bench-" + std::string(kind) + "-" + std::to_string(::getpid()) + "-" + std::to_string(i);
}

int run_api(int n, moat::engine::DockerClient& client, const std::string& image) {
  moat::core::RegistryOptions options;
  options.search_dirs = {MOAT_BENCH_PLUGIN_DIR};
  options.examiner = MOAT_BENCH_EXAMINER;
  moat::core::PluginRegistry registry(options);
  registry.discover();
  moat::core::SandboxService service(registry, moat::core::Config{});
  const RawEngine raw(client.options().socket_path);

  std::printf("(a) C++ API path vs raw Engine API calls (runc, %s), interleaved ABBA, median of %d after 2 warm-ups\n",
              image.c_str(), n);
  for (int i = 0; i < 2; ++i) {
    api_cycle(service, name_for("api-warm", i), image);
    raw_cycle(raw, name_for("raw-warm", i), image);
  }
  std::vector<Steps> api, direct;
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      api.push_back(api_cycle(service, name_for("api", i), image));
      direct.push_back(raw_cycle(raw, name_for("raw", i), image));
    } else {
      direct.push_back(raw_cycle(raw, name_for("raw", i), image));
      api.push_back(api_cycle(service, name_for("api", i), image));
    }
  }
  print_steps("raw Engine API (this program)", direct);
  print_steps("moat SandboxService", api);
  std::printf("%-34s %.3f  (goal <= 1.05)\n", "ratio API / raw", median_total(api) / median_total(direct));
  return 0;
}

int run_cli(const std::string& moat, int n, const std::string& image) {
  std::printf("(b) CLI path vs docker CLI (runc, %s), interleaved ABBA, median of %d after 2 warm-ups\n", image.c_str(),
              n);
  for (int i = 0; i < 2; ++i) {
    moat_cycle(moat, name_for("cli-warm", i), image);
    docker_cycle(name_for("docker-warm", i), image);
  }
  std::vector<CliCycle> m, d;
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      m.push_back(moat_cycle(moat, name_for("cli", i), image));
      d.push_back(docker_cycle(name_for("docker", i), image));
    } else {
      d.push_back(docker_cycle(name_for("docker", i), image));
      m.push_back(moat_cycle(moat, name_for("cli", i), image));
    }
  }
  auto col = [](const std::vector<CliCycle>& v, auto f) {
    std::vector<double> out;
    out.reserve(v.size());
    for (const auto& c : v) out.push_back(static_cast<double>(f(c)));
    return median(out);
  };
  auto row = [&](const char* label, const std::vector<CliCycle>& v) {
    std::printf("%-52s total %7.1f ms   (create %6.1f, exec %5.1f, rm %5.1f)\n", label,
                col(v, [](const CliCycle& c) { return c.total(); }), col(v, [](const CliCycle& c) { return c.create; }),
                col(v, [](const CliCycle& c) { return c.exec; }), col(v, [](const CliCycle& c) { return c.remove; }));
  };
  row("docker run -d / docker exec / docker rm -f", d);
  row("moat sandbox create --start / exec / rm", m);
  const double ratio =
      col(m, [](const CliCycle& c) { return c.total(); }) / col(d, [](const CliCycle& c) { return c.total(); });
  std::printf("%-52s %.3f  (goal <= 0.9)\n", "ratio moat / docker", ratio);

  auto max_of = [](const std::vector<CliCycle>& v, auto f) {
    long mx = 0;
    for (const auto& c : v) mx = std::max(mx, f(c));
    return mx;
  };
  std::printf("(c) peak RSS of each moat command (ru_maxrss of the child; median / max of %d)\n", n);
  auto rss = [&](const char* label, auto f) {
    std::printf("  %-36s %6.1f MiB / %6.1f MiB  (goal <= 30 MiB)\n", label, col(m, f) / 1024.0,
                static_cast<double>(max_of(m, f)) / 1024.0);
  };
  rss("moat sandbox create --start", [](const CliCycle& c) { return c.rss_create; });
  rss("moat sandbox exec -- true", [](const CliCycle& c) { return c.rss_exec; });
  rss("moat sandbox rm", [](const CliCycle& c) { return c.rss_remove; });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto usage = [] {
    std::fprintf(stderr, "usage: sandbox_overhead api [N] | sandbox_overhead cli MOAT_BINARY [N]\n");
    return 64;
  };
  if (args.empty()) return usage();
  moat::engine::DockerClient client;
  int rc = 0;
  try {
    const std::string image = pick_image(client);
    if (args[0] == "api") {
      rc = run_api(args.size() > 1 ? std::stoi(args[1]) : 10, client, image);
    } else if (args[0] == "cli" && args.size() >= 2) {
      rc = run_cli(args[1], args.size() > 2 ? std::stoi(args[2]) : 10, image);
    } else {
      return usage();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sandbox_overhead: %s\n", e.what());
    rc = 70;
  }
  cleanup(client);
  return rc;
}
