// Decoder for the Docker Engine's multiplexed stdout/stderr framing (exec,
// attach and logs of containers without a TTY). Each frame is an 8-byte header
// [type, 0, 0, 0, size as big-endian uint32] followed by `size` payload bytes;
// type 0 = stdin (written as stdout), 1 = stdout, 2 = stderr, 3 = systemerr.
//
// Pure and incremental: feed() takes chunks of any size, with headers and
// payloads split anywhere, and never buffers output payload (only the text of a
// systemerr frame, capped). Kept free of Boost and of the HTTP client so it can
// be unit-tested and fuzzed on its own.
#pragma once

#include <moat/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace moat::engine {

enum class StreamKind : std::uint8_t { stdin_stream = 0, stdout_stream = 1, stderr_stream = 2, system_error = 3 };

// Thrown for a malformed stream (unknown stream type, input ending inside a
// frame) and for a systemerr frame, whose text is the engine's own error
// (the Go client surfaces it the same way). Status: MOAT_E_FAILED.
class StreamError : public moat::Error {
 public:
  enum class Reason { malformed, truncated, system_error };
  StreamError(Reason reason, const std::string& message) : moat::Error(MOAT_E_FAILED, message), reason_(reason) {}
  [[nodiscard]] Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

class StreamDemux {
 public:
  // Receives payload bytes as they arrive: one frame may reach the sink in
  // several pieces, and a zero-length frame not at all. stdin frames arrive
  // as StreamKind::stdin_stream; the sink decides where they go.
  using Sink = std::function<void(StreamKind, std::string_view)>;

  // The text of one systemerr frame is kept up to this size (the rest is
  // dropped, the frame is still consumed) before it is raised.
  static constexpr std::size_t max_system_error_bytes = std::size_t{64} * 1024;

  explicit StreamDemux(Sink sink);

  // Decodes `bytes`. Throws StreamError on an unknown stream type or once a
  // systemerr frame is complete; after a throw the decoder stays failed and
  // every later feed()/finish() throws the same error again.
  void feed(std::string_view bytes);

  // Declares the end of input: throws StreamError(truncated) if it ended
  // inside a header or a payload.
  void finish();

  // Total payload bytes delivered to the sink so far.
  [[nodiscard]] std::uint64_t payload_bytes() const noexcept { return payload_bytes_; }

 private:
  [[noreturn]] void fail(StreamError::Reason reason, std::string message);

  Sink sink_;
  std::array<unsigned char, 8> header_{};
  std::size_t header_filled_ = 0;
  StreamKind kind_ = StreamKind::stdout_stream;
  std::uint32_t remaining_ = 0;  // payload bytes left in the current frame
  bool in_payload_ = false;
  std::string system_error_;
  std::uint64_t payload_bytes_ = 0;
  bool failed_ = false;
  StreamError::Reason failure_reason_ = StreamError::Reason::malformed;
  std::string failure_message_;
};

// Convenience for whole buffers: splits a complete multiplexed stream into
// stdout (stdin frames included, as the Go client does) and stderr.
struct DemuxedStreams {
  std::string stdout_data;
  std::string stderr_data;
};
DemuxedStreams demux_all(std::string_view bytes);

}  // namespace moat::engine
