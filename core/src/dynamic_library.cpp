// The one file that uses Boost.DLL. It runs on std::filesystem
// (BOOST_DLL_USE_STD_FS) so neither Boost.Filesystem nor Boost.System is
// linked. Boost 1.74 has no import_symbol; shared_library::get<> is used.
// Under BOOST_DLL_USE_STD_FS, Boost 1.74 DLL headers (library_info.hpp) use
// std::vector without including it.
#include <vector>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>

#include <moat/core/dynamic_library.hpp>

#include <dlfcn.h>

#include <string_view>
#include <system_error>

namespace moat::core {

namespace {

// Boost passes the mode to dlopen as is; RTLD_NODELETE has no Boost name.
constexpr auto kLoadMode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local |
                           static_cast<boost::dll::load_mode::type>(RTLD_NODELETE);

// Boost's message is "...load() failed (dlerror system message: TEXT): Bad
// file descriptor"; the user needs TEXT.
std::string dlerror_text(std::string_view what) {
  constexpr std::string_view marker = "(dlerror system message: ";
  const auto start = what.find(marker);
  const auto end = what.rfind("): ");
  if (start == std::string_view::npos || end == std::string_view::npos || end < start + marker.size()) {
    return std::string(what);
  }
  return std::string(what.substr(start + marker.size(), end - start - marker.size()));
}

}  // namespace

struct DynamicLibrary::Impl {
  std::filesystem::path path;
  boost::dll::shared_library library;
};

DynamicLibrary::DynamicLibrary(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = std::filesystem::absolute(path);
  try {
    impl_->library.load(impl_->path, kLoadMode);
  } catch (const std::system_error& e) {
    throw DynamicLibraryError(dlerror_text(e.what()));
  }
}

DynamicLibrary::~DynamicLibrary() = default;
DynamicLibrary::DynamicLibrary(DynamicLibrary&&) noexcept = default;
DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&&) noexcept = default;

const std::filesystem::path& DynamicLibrary::path() const { return impl_->path; }

void* DynamicLibrary::symbol(const std::string& name) const {
  if (!impl_->library.has(name)) return nullptr;
  // get<T> returns a reference to the object at the symbol's address.
  return static_cast<void*>(&impl_->library.get<unsigned char>(name));
}

}  // namespace moat::core
