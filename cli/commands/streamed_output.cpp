#include "streamed_output.hpp"

#include <ostream>

namespace moat::cli::commands {

StreamedOutput::StreamedOutput(Context& ctx) : ctx_(ctx) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, &old_);
}

StreamedOutput::~StreamedOutput() { ::sigaction(SIGPIPE, &old_, nullptr); }

OutputSink StreamedOutput::sink() {
  return [this](int stream, std::string_view data) {
    std::ostream& to = stream == 2 ? ctx_.err() : ctx_.out_stream();
    to.write(data.data(), static_cast<std::streamsize>(data.size()));
    to.flush();
    reader_gone_ = reader_gone_ || !to;
    return !reader_gone_;
  };
}

}  // namespace moat::cli::commands
