// A shared library loaded the one way moat loads plugins: from a full path,
// RTLD_NOW (an undefined symbol fails here, not at the first call) and
// RTLD_LOCAL (plugins cannot see or shadow each other's symbols), and never
// unloaded (RTLD_NODELETE: code and objects a plugin handed out stay valid
// even after this object is gone). The only door to Boost.DLL.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace moat::core {

// Loading failed; what() is the dynamic loader's own text (dlerror), e.g.
// "/x/moat-a.so: undefined symbol: foo".
class DynamicLibraryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DynamicLibrary {
 public:
  // Loads `path` (made absolute; never searched for). Throws DynamicLibraryError.
  explicit DynamicLibrary(const std::filesystem::path& path);
  ~DynamicLibrary();
  DynamicLibrary(DynamicLibrary&&) noexcept;
  DynamicLibrary& operator=(DynamicLibrary&&) noexcept;
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const;

  // The address of an exported symbol, or nullptr when there is none.
  [[nodiscard]] void* symbol(const std::string& name) const;

  // An exported function of type Fn (a function type, not a pointer).
  template <typename Fn>
  [[nodiscard]] Fn* function(const std::string& name) const {
    return reinterpret_cast<Fn*>(symbol(name));
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moat::core
