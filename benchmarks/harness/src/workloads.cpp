#include <moat/harness/workloads.hpp>

#include <moat/error.hpp>

#include <cstdlib>
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

}  // namespace moat::harness
