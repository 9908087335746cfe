// A fresh directory for a test, removed with everything in it on scope exit
// (even when the test failed).
#pragma once

#include <filesystem>
#include <string>

namespace moat::test {

class TempDir {
 public:
  // Creates <parent>/<stem>-XXXXXX; throws std::system_error when it cannot.
  explicit TempDir(const std::string& stem,
                   const std::filesystem::path& parent = std::filesystem::temp_directory_path());
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace moat::test
