#include <moat/core/atomic_file.hpp>

#include <unistd.h>

#include <fstream>

namespace moat::core {

std::optional<std::string> replace_file(const std::filesystem::path& file, const std::string& text) {
  std::error_code ec;
  if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return ec.message();
  }
  // Per process: two moats replacing the file at once each rename a whole one.
  auto tmp = file;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return "write failed";
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return ec.message();
  }
  return std::nullopt;
}

}  // namespace moat::core
