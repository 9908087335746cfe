// The engine's multiplexed stdout/stderr decoder (exec, logs), fed the same
// bytes in chunks split at arbitrary points.
//
// Input: [n][n split sizes][stream...]. The first byte says how many of the
// following bytes are chunk sizes (n % 16; a size byte b cuts b bytes, 0 = an
// empty feed; the sizes repeat until the stream is used up).
//
// Invariants: the chunked decode and demux_all of the whole buffer agree with
// a plain reference decoder on every output byte and on the outcome
// (complete, malformed, truncated, engine error); payload_bytes() equals the
// bytes the sink saw; a failed decoder keeps failing the same way.
#include "fuzz_check.hpp"

#include <moat/engine/stream_demux.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using moat::engine::StreamDemux;
using moat::engine::StreamError;
using moat::engine::StreamKind;
using moat::fuzz::expect;

struct Outcome {
  std::string out;  // stdin and stdout frames, as demux_all merges them
  std::string err;
  std::uint64_t sink_bytes = 0;
  std::optional<StreamError::Reason> failure;  // nullopt: decoded completely
  std::string system_error;                    // the engine's text, for a systemerr frame
};

// Straight from the framing's definition: whole buffer, no state machine.
Outcome reference(std::string_view s) {
  Outcome o;
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (s.size() - pos < 8) {
      o.failure = StreamError::Reason::truncated;
      return o;
    }
    const auto type = static_cast<unsigned char>(s[pos]);
    if (type > 3) {
      o.failure = StreamError::Reason::malformed;
      return o;
    }
    std::uint64_t size = 0;
    for (int i = 4; i < 8; ++i) size = (size << 8) | static_cast<unsigned char>(s[pos + i]);
    pos += 8;
    const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, s.size() - pos));
    const std::string_view payload = s.substr(pos, have);
    pos += have;
    if (type == 3) {
      if (have < size) {
        o.failure = StreamError::Reason::truncated;
        return o;
      }
      o.failure = StreamError::Reason::system_error;
      o.system_error = std::string(payload.substr(0, StreamDemux::max_system_error_bytes));
      // what() is a C string: the text is seen up to its first NUL.
      o.system_error.resize(std::min(o.system_error.size(), o.system_error.find('\0')));
      return o;
    }
    (type == 2 ? o.err : o.out).append(payload);
    o.sink_bytes += have;
    if (have < size) {
      o.failure = StreamError::Reason::truncated;
      return o;
    }
  }
  return o;
}

Outcome chunked(std::string_view stream, std::string_view splits) {
  Outcome o;
  StreamDemux demux([&o](StreamKind kind, std::string_view piece) {
    expect(kind != StreamKind::system_error, "a systemerr frame reached the sink");
    expect(!piece.empty(), "the sink got an empty piece");
    (kind == StreamKind::stderr_stream ? o.err : o.out).append(piece);
    o.sink_bytes += piece.size();
  });
  std::string message;
  try {
    std::size_t i = 0;
    std::size_t empty_feeds = 0;  // in a row; a cycle of zero sizes alone would never end
    while (!stream.empty()) {
      std::size_t cut = splits.empty() ? stream.size() : static_cast<unsigned char>(splits[i++ % splits.size()]);
      empty_feeds = cut == 0 ? empty_feeds + 1 : 0;
      if (empty_feeds > splits.size()) cut = stream.size();
      const std::size_t take = std::min(cut, stream.size());
      demux.feed(stream.substr(0, take));
      stream.remove_prefix(take);
    }
    demux.finish();
  } catch (const StreamError& e) {
    o.failure = e.reason();
    message = e.what();
    expect(e.status() == MOAT_E_FAILED, "StreamError with a status other than MOAT_E_FAILED");
    // A failed decoder stays failed, with the same error.
    for (int round = 0; round < 2; ++round) {
      try {
        if (round == 0)
          demux.feed("x");
        else
          demux.finish();
        moat::fuzz::finding("a failed decoder accepted more input");
      } catch (const StreamError& again) {
        expect(again.reason() == e.reason() && message == again.what(), "a failed decoder changed its error");
      }
    }
  }
  expect(demux.payload_bytes() == o.sink_bytes, "payload_bytes() differs from what the sink received");
  if (o.failure == StreamError::Reason::system_error) {
    constexpr std::string_view prefix = "error from the Docker engine in the stream: ";
    expect(std::string_view(message).starts_with(prefix), "systemerr message lost its prefix");
    o.system_error = message.substr(prefix.size());
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(input[0]) % 16, input.size() - 1);
  const std::string_view splits = input.substr(1, n);
  const std::string_view stream = input.substr(1 + n);

  const Outcome want = reference(stream);
  const Outcome got = chunked(stream, splits);
  expect(got.failure == want.failure, "chunked decode ended differently from the reference decoder");
  expect(got.out == want.out, "stdout bytes differ from the reference decoder");
  expect(got.err == want.err, "stderr bytes differ from the reference decoder");
  expect(got.sink_bytes == want.sink_bytes, "payload byte count differs from the reference decoder");
  expect(got.system_error == want.system_error, "systemerr text differs from the reference decoder");

  try {
    const auto all = moat::engine::demux_all(stream);
    expect(!want.failure, "demux_all accepted a stream the reference rejects");
    expect(all.stdout_data == want.out && all.stderr_data == want.err, "demux_all output differs");
  } catch (const StreamError& e) {
    expect(want.failure == e.reason(), "demux_all failed differently from the reference");
  }
  return 0;
}
