#include <moat/harness/workloads.hpp>

#include <moat/error.hpp>

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#ifndef MOAT_WORKLOADS_SOURCE_DIR
#error "MOAT_WORKLOADS_SOURCE_DIR must name benchmarks/workloads"
#endif

namespace moat::harness {
namespace fs = std::filesystem;

fs::path find_workloads_dir(const fs::path& exe_dir) {
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("MOAT_WORKLOADS_DIR"); env != nullptr && *env != '\0') tried.emplace_back(env);
  if (!exe_dir.empty()) tried.push_back(exe_dir / ".." / "share" / "moat" / "workloads");
  tried.emplace_back(MOAT_WORKLOADS_SOURCE_DIR);
  std::string list;
  for (const auto& dir : tried) {
    std::error_code ec;
    if (fs::exists(dir / "c-tree" / "Makefile", ec)) return fs::weakly_canonical(dir, ec);
    list += (list.empty() ? "" : ", ") + dir.string();
  }
  throw moat::Error(MOAT_E_NOT_FOUND,
                    "the benchmark workloads were not found (tried " + list + "); set MOAT_WORKLOADS_DIR");
}

void copy_workload(const fs::path& workloads_dir, const std::string& sub, const fs::path& dest) {
  const fs::path src = workloads_dir / sub;
  std::error_code ec;
  if (!fs::is_directory(src, ec))
    throw moat::Error(MOAT_E_NOT_FOUND, "workload " + sub + " is missing: " + src.string() + " is not a directory");
  fs::create_directories(dest, ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "cannot create " + dest.string() + ": " + ec.message());
  for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), src);
    // Build outputs of someone who ran make in the source tree stay behind.
    if (it->is_directory() && (rel == "build" || rel.filename() == "__pycache__")) {
      it.disable_recursion_pending();
      continue;
    }
    const fs::path target = dest / rel;
    if (it->is_directory())
      fs::create_directories(target, ec);
    else
      fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing, ec);
    if (ec) break;
  }
  if (ec) throw moat::Error(MOAT_E_FAILED, "copying " + src.string() + " to " + dest.string() + ": " + ec.message());
}

void assemble_docker_context(const fs::path& workloads_dir, const fs::path& dest) {
  copy_workload(workloads_dir, "dockerfile", dest);
  // A subset of the tree: enough small files for the COPY and archive layers
  // without making the image build dominated by compressing sources.
  constexpr int kModules = 8;
  const fs::path tree = workloads_dir / "c-tree";
  const fs::path files = dest / "files";
  std::vector<std::pair<fs::path, fs::path>> copies = {{tree / "Makefile", files / "Makefile"}};
  for (int i = 0; i < kModules; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "mod%02d.c", i);
    copies.emplace_back(tree / "src" / name, files / name);
  }
  std::error_code ec;
  fs::create_directories(files, ec);
  if (ec) throw moat::Error(MOAT_E_FAILED, "cannot create " + files.string() + ": " + ec.message());
  for (const auto& [from, to] : copies) {
    if (!fs::is_regular_file(from, ec))
      throw moat::Error(MOAT_E_NOT_FOUND, "workload c-tree is missing " + from.string());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) throw moat::Error(MOAT_E_FAILED, "copying " + from.string() + " to " + to.string() + ": " + ec.message());
  }
}

}  // namespace moat::harness
