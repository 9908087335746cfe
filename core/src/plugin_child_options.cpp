// Linked into the two programs that run plugin code for moat in a child
// process, moat-plugin-examiner and moat-plugin-broker, and nowhere else.
//
// In a sanitizer build, a plugin that crashes there must still die of its
// signal: the host reports "killed by signal 11 (Segmentation fault)", and
// AddressSanitizer's own handlers would turn the crash into a report and
// exit 1. The host and the tests keep ASan's handlers.
#if defined(__SANITIZE_ADDRESS__)
#define MOAT_PLUGIN_CHILD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MOAT_PLUGIN_CHILD_ASAN 1
#endif
#endif
#ifdef MOAT_PLUGIN_CHILD_ASAN
extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier): ASan's hook
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0";
}
#endif
