// RAII for a POSIX file descriptor plus the two helpers the writers need
// (internal). Plain write(2)/fsync(2): the crash-safety argument is about
// what has reached the kernel, which stdio buffering would obscure.
#pragma once

#include <moat/error.hpp>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include <unistd.h>

namespace moat::bench::detail {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& o) noexcept : fd_(o.release()) {}
  FileDescriptor& operator=(FileDescriptor&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline std::string errno_text(int err) { return std::strerror(err); }

// Writes all of `data`, retrying short writes and EINTR.
inline void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw moat::Error(MOAT_E_FAILED, "cannot write " + what + ": " + errno_text(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

inline void sync_fd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) throw moat::Error(MOAT_E_FAILED, "cannot fsync " + what + ": " + errno_text(errno));
}

}  // namespace moat::bench::detail
