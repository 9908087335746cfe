#include "private_engine.hpp"

#include "run_process.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace moat::sandbox_test {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Mount points at or below `root`, deepest first.
std::vector<std::string> mounts_under(const fs::path& root) {
  std::ifstream in("/proc/self/mountinfo");
  std::vector<std::string> out;
  const std::string prefix = root.string();
  for (std::string line; std::getline(in, line);) {
    const auto fields = words(line);
    if (fields.size() > 4 && fields[4].rfind(prefix, 0) == 0) out.push_back(fields[4]);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

PrivateEngine::PrivateEngine(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  // Short: a unix socket path has at most 107 bytes.
  std::string tmpl = "/tmp/msb-engine-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  for (auto& a : extra_args_)
    for (auto at = a.find("{dir}"); at != std::string::npos; at = a.find("{dir}")) a.replace(at, 5, dir_.string());
  fs::create_directories(pids_dir());
  std::ofstream(dir_ / "daemon.json") << "{}\n";
  try {
    // A bridge of its own: dockerd with --bridge=none deletes the host's
    // docker0, which the shared engine uses.
    bridge_ = "msbbr-" + dir_.filename().string().substr(std::string("msb-engine-").size());
    const std::string cidr = "10.254." + std::to_string(::getpid() % 250 + 1) + ".1/24";
    for (const auto& argv : std::vector<std::vector<std::string>>{{"ip", "link", "add", bridge_, "type", "bridge"},
                                                                  {"ip", "addr", "add", cidr, "dev", bridge_},
                                                                  {"ip", "link", "set", bridge_, "up"}}) {
      const auto r = moat::test::run_process(argv);
      if (r.exit_code != 0) throw std::runtime_error("ip " + argv[1] + " " + argv[2] + " " + bridge_ + ": " + r.err);
    }
    start();
  } catch (...) {
    teardown();
    throw;
  }
}

PrivateEngine::~PrivateEngine() { teardown(); }

void PrivateEngine::start() {
  moat::support::SpawnOptions o;
  o.argv = {"dockerd",
            "--host",
            "unix://" + socket().string(),
            "--pidfile",
            (dir_ / "docker.pid").string(),
            "--data-root",
            (dir_ / "data").string(),
            "--exec-root",
            (dir_ / "exec").string(),
            "--config-file",
            (dir_ / "daemon.json").string(),
            "--bridge=" + bridge_,
            "--iptables=false",
            "--ip-masq=false"};
  o.argv.insert(o.argv.end(), extra_args_.begin(), extra_args_.end());
  o.out = moat::support::Output::log_file;
  o.err = moat::support::Output::log_file;
  o.log = dir_ / "dockerd.log";
  dockerd_ = std::make_unique<moat::support::Process>(o);
  for (int i = 0; i < 300; ++i) {
    if (dockerd_->has_exited()) break;
    const auto r = moat::test::run_process({"docker", "-H", "unix://" + socket().string(), "version"});
    if (r.exit_code == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("the private dockerd did not answer on " + socket().string() + "; see " +
                           (dir_ / "dockerd.log").string());
}

std::string PrivateEngine::docker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"docker", "-H", "unix://" + socket().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = moat::test::run_process(argv);
  if (r.exit_code != 0) throw std::runtime_error("docker " + args.front() + " failed: " + r.err);
  return r.out;
}

void PrivateEngine::load_image(const std::string& image) const {
  const fs::path tar = dir_ / "image.tar";
  const auto saved = moat::test::run_process({"docker", "save", "-o", tar.string(), image});
  if (saved.exit_code != 0) throw std::runtime_error("docker save " + image + " failed: " + saved.err);
  (void)docker({"load", "-q", "-i", tar.string()});
  fs::remove(tar);
}

void PrivateEngine::kill_dockerd() {
  if (!dockerd_) return;
  ::kill(dockerd_->pid(), SIGKILL);
  dockerd_->reap();
  dockerd_.reset();
  // Its managed containerd dies with it (parent-death signal) but leaves its
  // pidfile, which would make the next dockerd wait for a containerd that is
  // gone; the containers' shims live on and are found again.
  kill_containerd();
}

void PrivateEngine::kill_containerd() const {
  const fs::path pidfile = dir_ / "exec" / "containerd" / "containerd.pid";
  std::ifstream in(pidfile);
  pid_t pid = 0;
  if (in >> pid && pid > 1) ::kill(pid, SIGKILL);
  std::error_code ec;
  fs::remove(pidfile, ec);
}

void PrivateEngine::kill_processes_using_dir() const {
  // Shims (and what they run) name this engine's directory on their command line.
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/proc", ec)) {
    const std::string pid = d.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(d.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(dir_.string()) != std::string::npos && std::stoi(pid) != ::getpid())
      ::kill(std::stoi(pid), SIGKILL);
  }
}

std::vector<std::string> PrivateEngine::containers() const { return words(docker({"ps", "-aq"})); }

std::vector<std::string> PrivateEngine::volumes() const { return words(docker({"volume", "ls", "-q"})); }

void PrivateEngine::kill_recorded_pids() const {
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(pids_dir(), ec)) {
    std::ifstream in(f.path());
    pid_t pid = 0;
    if (in >> pid && pid > 1) ::kill(pid, SIGKILL);
    fs::remove(f.path(), ec);
  }
}

void PrivateEngine::teardown() noexcept {
  try {
    kill_recorded_pids();
    if (dockerd_ && !dockerd_->has_exited()) {
      // Containers first, so their shims end; then the daemon, gracefully.
      try {
        auto ids = containers();
        if (!ids.empty()) {
          ids.insert(ids.begin(), {"rm", "-f"});
          (void)docker(ids);
        }
      } catch (const std::exception& e) {
        std::cerr << "private engine: " << e.what() << "\n";
      }
      ::kill(dockerd_->pid(), SIGTERM);
      for (int i = 0; i < 150 && !dockerd_->has_exited(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (dockerd_) dockerd_->kill_group(SIGKILL);
    dockerd_.reset();
    kill_containerd();
    kill_recorded_pids();
    kill_processes_using_dir();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!bridge_.empty()) (void)moat::test::run_process({"ip", "link", "del", bridge_});
    for (const auto& m : mounts_under(dir_)) ::umount2(m.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) std::cerr << "private engine: could not remove " << dir_ << ": " << ec.message() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "private engine: teardown: " << e.what() << "\n";
  }
}

}  // namespace moat::sandbox_test
