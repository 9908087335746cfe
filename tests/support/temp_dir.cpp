#include "temp_dir.hpp"

#include <cerrno>
#include <system_error>

#include <unistd.h>

namespace moat::test {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& stem, const fs::path& parent) {
  std::string pattern = (parent / (stem + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace moat::test
