// Where a streamed command output or log goes (ABI 1.1 streaming): the
// context's stdout and stderr, written as the bytes come, no table and no
// sanitizing. A reader that goes away (`| head`) is an EPIPE seen here, not a
// SIGPIPE that would kill moat and leave the command running in the sandbox:
// the sink then says stop, and the command exits 141 as a shell would report.
#pragma once

#include "../context.hpp"

#include <moat/model.hpp>

#include <signal.h>

namespace moat::cli::commands {

class StreamedOutput {
 public:
  // SIGPIPE is ignored while this lives.
  explicit StreamedOutput(Context& ctx);
  ~StreamedOutput();
  StreamedOutput(const StreamedOutput&) = delete;
  StreamedOutput& operator=(const StreamedOutput&) = delete;

  // Writes stream 1 to stdout and 2 to stderr; false once a write failed.
  [[nodiscard]] OutputSink sink();
  [[nodiscard]] bool reader_gone() const { return reader_gone_; }

 private:
  Context& ctx_;
  bool reader_gone_ = false;
  struct sigaction old_ {};
};

}  // namespace moat::cli::commands
