// Every moat command, in the order 'moat --help' lists them.
//
// To add a command: write commands/<name>.cpp defining
// `Command moat::cli::commands::<name>()` (the build picks up every file in
// commands/) and add one X(<name>) line below. Help, usage errors and the
// CLI reference all come from the Command it returns.
#include "registry.hpp"

// clang-format off
#define MOAT_CLI_COMMANDS(X) \
  X(version)                 \
  X(plugins_list)            \
  X(plugins_info)            \
  X(plugins_check)           \
  X(runtimes)                \
  X(sandbox_create)          \
  X(sandbox_start)           \
  X(sandbox_stop)            \
  X(sandbox_restart)         \
  X(sandbox_rm)              \
  X(sandbox_exec)            \
  X(sandbox_inspect)         \
  X(sandbox_logs)            \
  X(sandbox_ls)              \
  X(sandbox_snapshot)        \
  X(sandbox_restore)         \
  X(snapshot_ls)             \
  X(snapshot_rm)             \
  X(network_create)          \
  X(network_rm)              \
  X(network_ls)              \
  X(network_connect)         \
  X(network_disconnect)      \
  X(serve)                   \
  X(matrix)                  \
  X(gc)                      \
  X(image_prepare)           \
  X(bench)                   \
  X(report)                  \
  X(compare)                 \
  X(help)
// clang-format on

namespace moat::cli {

namespace commands {
#define MOAT_CLI_DECLARE(name) Command name();
MOAT_CLI_COMMANDS(MOAT_CLI_DECLARE)
#undef MOAT_CLI_DECLARE
}  // namespace commands

CommandTable all_commands() {
#define MOAT_CLI_ENTRY(name) commands::name(),
  return {MOAT_CLI_COMMANDS(MOAT_CLI_ENTRY)};
#undef MOAT_CLI_ENTRY
}

}  // namespace moat::cli
