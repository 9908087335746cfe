#include <moat/core/creation_journal.hpp>

#include <moat/error.hpp>
#include <moat/support/process.hpp>
#include <moat/support/spec_checks.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace moat::core {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::optional<PendingCreate> read_entry(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  PendingCreate p;
  p.name = j.value("name", "");
  p.runtime = j.value("runtime", "");
  p.pid = j.value("pid", 0);
  p.start_time = j.value("start_time", "");
  p.file = file;
  if (p.name.empty()) return std::nullopt;
  return p;
}

// Writes the entry with O_EXCL: of two processes, one gets the file.
bool write_exclusive(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return true;
}

}  // namespace

bool PendingCreate::creator_running() const {
  const auto now = support::process_start_time(pid);
  return now && *now == start_time;
}

CreationJournal::CreationJournal(fs::path dir) : dir_(std::move(dir)) {}

fs::path CreationJournal::default_dir() {
  if (const char* d = std::getenv("MOAT_STATE_DIR"); d != nullptr && *d == '/') return fs::path(d) / "creating";
  if (::geteuid() == 0) return "/var/lib/moat/creating";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/')
    return fs::path(xdg) / "moat/creating";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/')
    return fs::path(home) / ".local/state/moat/creating";
  return fs::temp_directory_path() / ("moat-creating-" + std::to_string(::geteuid()));
}

CreationJournal::Entry::~Entry() {
  if (file_.empty()) return;
  std::error_code ec;
  fs::remove(file_, ec);
}

CreationJournal::Entry CreationJournal::begin(const std::string& name, const std::string& runtime) const {
  support::check_sandbox_name(name);  // it becomes a file name
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path file = dir_ / (name + ".json");
  const auto me = support::process_start_time(::getpid());
  const std::string text =
      json{{"name", name}, {"runtime", runtime}, {"pid", ::getpid()}, {"start_time", me.value_or("")}}.dump() + "\n";
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (write_exclusive(file, text)) return Entry(file);
    if (errno != EEXIST) {
      spdlog::warn(
          "cannot record the creation of '{}' in {}: {} (a half-created sandbox would not be found by "
          "'moat gc')",
          name, dir_.string(), std::strerror(errno));
      return Entry();
    }
    const auto other = read_entry(file);
    if (other && other->creator_running())
      throw moat::Error(MOAT_E_CONFLICT, "sandbox '" + name + "' is being created by another moat process (pid " +
                                             std::to_string(other->pid) + "); wait for it, or pick another name");
    fs::remove(file, ec);  // left by a creator that is gone: this create takes over
  }
  throw moat::Error(MOAT_E_CONFLICT, "sandbox '" + name + "' is being created by another moat process");
}

std::vector<PendingCreate> CreationJournal::entries() const {
  std::vector<PendingCreate> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".json") continue;
    if (auto p = read_entry(e.path())) out.push_back(std::move(*p));
  }
  return out;
}

void CreationJournal::forget(const PendingCreate& entry) const {
  std::error_code ec;
  fs::remove(entry.file, ec);
}

}  // namespace moat::core
