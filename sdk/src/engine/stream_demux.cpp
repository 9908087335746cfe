#include <moat/engine/stream_demux.hpp>

#include <algorithm>
#include <utility>

namespace moat::engine {

StreamDemux::StreamDemux(Sink sink) : sink_(std::move(sink)) {}

void StreamDemux::fail(StreamError::Reason reason, std::string message) {
  failed_ = true;
  failure_reason_ = reason;
  failure_message_ = std::move(message);
  throw StreamError(failure_reason_, failure_message_);
}

void StreamDemux::feed(std::string_view bytes) {
  if (failed_) throw StreamError(failure_reason_, failure_message_);
  while (!bytes.empty()) {
    if (!in_payload_) {
      const std::size_t take = std::min(header_.size() - header_filled_, bytes.size());
      std::copy_n(bytes.data(), take, header_.data() + header_filled_);
      header_filled_ += take;
      bytes.remove_prefix(take);
      if (header_filled_ < header_.size()) return;
      header_filled_ = 0;
      // Bytes 1..3 are padding; the Go decoder ignores them, and so do we.
      if (header_[0] > static_cast<unsigned char>(StreamKind::system_error)) {
        fail(StreamError::Reason::malformed,
             "malformed multiplexed stream from the Docker engine: unknown stream type " +
                 std::to_string(static_cast<unsigned>(header_[0])));
      }
      kind_ = static_cast<StreamKind>(header_[0]);
      remaining_ = (static_cast<std::uint32_t>(header_[4]) << 24) | (static_cast<std::uint32_t>(header_[5]) << 16) |
                   (static_cast<std::uint32_t>(header_[6]) << 8) | static_cast<std::uint32_t>(header_[7]);
      in_payload_ = true;
      system_error_.clear();
    }
    const std::size_t take = std::min<std::size_t>(remaining_, bytes.size());
    if (take > 0) {
      const std::string_view piece = bytes.substr(0, take);
      bytes.remove_prefix(take);
      remaining_ -= static_cast<std::uint32_t>(take);
      if (kind_ == StreamKind::system_error) {
        const std::size_t room = max_system_error_bytes - std::min(max_system_error_bytes, system_error_.size());
        system_error_.append(piece.substr(0, std::min(room, piece.size())));
      } else {
        payload_bytes_ += take;
        sink_(kind_, piece);
      }
    }
    if (remaining_ == 0) {
      in_payload_ = false;
      if (kind_ == StreamKind::system_error) {
        fail(StreamError::Reason::system_error, "error from the Docker engine in the stream: " + system_error_);
      }
    }
  }
}

void StreamDemux::finish() {
  if (failed_) throw StreamError(failure_reason_, failure_message_);
  if (header_filled_ > 0) {
    fail(StreamError::Reason::truncated, "multiplexed stream from the Docker engine ended inside a frame header (" +
                                             std::to_string(header_filled_) + " of 8 bytes)");
  }
  if (in_payload_ && remaining_ > 0) {
    fail(StreamError::Reason::truncated, "multiplexed stream from the Docker engine ended " +
                                             std::to_string(remaining_) + " bytes before the end of a frame");
  }
}

DemuxedStreams demux_all(std::string_view bytes) {
  DemuxedStreams out;
  StreamDemux demux([&out](StreamKind kind, std::string_view piece) {
    (kind == StreamKind::stderr_stream ? out.stderr_data : out.stdout_data).append(piece);
  });
  demux.feed(bytes);
  demux.finish();
  return out;
}

}  // namespace moat::engine
