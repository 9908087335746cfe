// Ctrl-C and SIGTERM: the first one sets a flag that long commands (and
// plugins, through moat_host_api.cancelled) check so they can stop cleanly
// and remove what they created; the second one takes the default action, so
// a stuck command can still be killed.
#pragma once

#include <atomic>

#include <signal.h>

namespace moat::cli {

class SignalGuard {
 public:
  // `flag` must outlive the guard; it is set (never cleared) on SIGINT/SIGTERM.
  explicit SignalGuard(std::atomic<bool>& flag);
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace moat::cli
