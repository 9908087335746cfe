#include "signals.hpp"

#include <stdexcept>

namespace moat::cli {
namespace {

// A signal handler receives no user pointer, so the flag it sets has to be
// reachable from here. This is the only process-wide variable in the CLI:
// set by SignalGuard's constructor, cleared by its destructor, read by the
// handler (a lock-free atomic store is async-signal-safe).
std::atomic<std::atomic<bool>*> g_cancel_flag{nullptr};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
static_assert(std::atomic<std::atomic<bool>*>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_signal(int) {
  if (auto* flag = g_cancel_flag.load()) flag->store(true);
}

}  // namespace

SignalGuard::SignalGuard(std::atomic<bool>& flag) {
  g_cancel_flag.store(&flag);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: library code (stdio, waitpid in the loader) need not handle
  // EINTR; commands poll the flag between steps instead. SA_RESETHAND: the
  // second signal takes the default action and ends the process.
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  if (sigaction(SIGINT, &sa, &old_int_) != 0 || sigaction(SIGTERM, &sa, &old_term_) != 0)
    throw std::runtime_error("cannot install the SIGINT/SIGTERM handlers");
}

SignalGuard::~SignalGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  g_cancel_flag.store(nullptr);
}

}  // namespace moat::cli
