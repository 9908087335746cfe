// Unit tests of the multiplexed stdout/stderr decoder: no engine needed.
#include <moat/engine/stream_demux.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using moat::engine::demux_all;
using moat::engine::StreamDemux;
using moat::engine::StreamError;
using moat::engine::StreamKind;

std::string frame(std::uint8_t type, const std::string& payload) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(type);
  const auto size = static_cast<std::uint32_t>(payload.size());
  out[4] = static_cast<char>((size >> 24) & 0xFF);
  out[5] = static_cast<char>((size >> 16) & 0xFF);
  out[6] = static_cast<char>((size >> 8) & 0xFF);
  out[7] = static_cast<char>(size & 0xFF);
  return out + payload;
}

struct Collected {
  std::string out;
  std::string err;
  std::string in;
  int calls = 0;
};

StreamDemux collecting(Collected& c) {
  return StreamDemux([&c](StreamKind kind, std::string_view piece) {
    ++c.calls;
    switch (kind) {
      case StreamKind::stdout_stream:
        c.out.append(piece);
        break;
      case StreamKind::stderr_stream:
        c.err.append(piece);
        break;
      case StreamKind::stdin_stream:
        c.in.append(piece);
        break;
      case StreamKind::system_error:
        ADD_FAILURE() << "systemerr must not reach the sink";
        break;
    }
  });
}

TEST(StreamDemux, WholeFramesInOneChunk) {
  const auto result = demux_all(frame(1, "out\n") + frame(2, "err\n") + frame(1, "more"));
  EXPECT_EQ(result.stdout_data, "out\nmore");
  EXPECT_EQ(result.stderr_data, "err\n");
}

TEST(StreamDemux, EveryPossibleSplitPoint) {
  const std::string input = frame(1, "hello") + frame(2, "world!") + frame(1, "") + frame(2, "x");
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    Collected c;
    auto demux = collecting(c);
    demux.feed(std::string_view(input).substr(0, cut));
    demux.feed(std::string_view(input).substr(cut));
    demux.finish();
    EXPECT_EQ(c.out, "hello") << "cut at " << cut;
    EXPECT_EQ(c.err, "world!x") << "cut at " << cut;
  }
}

TEST(StreamDemux, OneByteAtATime) {
  const std::string payload(1000, 'a');
  const std::string input = frame(2, payload) + frame(1, "tail");
  Collected c;
  auto demux = collecting(c);
  for (char byte : input) demux.feed(std::string_view(&byte, 1));
  demux.finish();
  EXPECT_EQ(c.err, payload);
  EXPECT_EQ(c.out, "tail");
  EXPECT_EQ(demux.payload_bytes(), payload.size() + 4);
}

TEST(StreamDemux, HeaderSplitAcrossThreeChunks) {
  const std::string input = frame(1, "abc");
  Collected c;
  auto demux = collecting(c);
  demux.feed(input.substr(0, 3));
  demux.feed(input.substr(3, 3));
  EXPECT_EQ(c.calls, 0);
  demux.feed(input.substr(6));
  demux.finish();
  EXPECT_EQ(c.out, "abc");
}

TEST(StreamDemux, ZeroLengthFramesProduceNoOutput) {
  Collected c;
  auto demux = collecting(c);
  demux.feed(frame(1, "") + frame(2, "") + frame(1, ""));
  demux.finish();
  EXPECT_EQ(c.calls, 0);
  EXPECT_TRUE(c.out.empty());
  EXPECT_TRUE(c.err.empty());
}

TEST(StreamDemux, EmptyInputIsAnEmptyStream) {
  Collected c;
  auto demux = collecting(c);
  demux.feed("");
  demux.finish();
  EXPECT_EQ(c.calls, 0);
}

TEST(StreamDemux, StdinFramesAreReportedAsStdin) {
  Collected c;
  auto demux = collecting(c);
  demux.feed(frame(0, "typed"));
  demux.finish();
  EXPECT_EQ(c.in, "typed");
  // demux_all writes them on stdout, as the Go client does.
  EXPECT_EQ(demux_all(frame(0, "typed")).stdout_data, "typed");
}

TEST(StreamDemux, LargeSizeFieldIsBigEndian) {
  const std::string payload(70000, 'z');  // needs the third size byte
  const auto result = demux_all(frame(1, payload));
  EXPECT_EQ(result.stdout_data.size(), payload.size());
}

TEST(StreamDemux, SystemErrorIsRaisedWithItsText) {
  Collected c;
  auto demux = collecting(c);
  demux.feed(frame(1, "before"));
  const std::string input = frame(3, "exec failed: no such file");
  demux.feed(input.substr(0, 10));  // incomplete: nothing raised yet
  try {
    demux.feed(input.substr(10));
    FAIL() << "systemerr did not raise";
  } catch (const StreamError& e) {
    EXPECT_EQ(e.reason(), StreamError::Reason::system_error);
    EXPECT_NE(std::string(e.what()).find("exec failed: no such file"), std::string::npos) << e.what();
    EXPECT_EQ(e.status(), MOAT_E_FAILED);
  }
  EXPECT_EQ(c.out, "before");
  // The decoder stays failed.
  EXPECT_THROW(demux.feed(frame(1, "after")), StreamError);
  EXPECT_THROW(demux.finish(), StreamError);
  EXPECT_EQ(c.out, "before");
}

TEST(StreamDemux, HugeSystemErrorIsCappedButConsumed) {
  const std::string text(StreamDemux::max_system_error_bytes + 100, 'e');
  try {
    (void)demux_all(frame(3, text));
    FAIL() << "systemerr did not raise";
  } catch (const StreamError& e) {
    EXPECT_LE(std::string(e.what()).size(), StreamDemux::max_system_error_bytes + 100);
  }
}

TEST(StreamDemux, UnknownStreamTypeIsMalformed) {
  Collected c;
  auto demux = collecting(c);
  try {
    demux.feed(frame(7, "x"));
    FAIL() << "type 7 accepted";
  } catch (const StreamError& e) {
    EXPECT_EQ(e.reason(), StreamError::Reason::malformed);
  }
  EXPECT_EQ(c.calls, 0);
}

TEST(StreamDemux, TruncatedInsideHeader) {
  Collected c;
  auto demux = collecting(c);
  demux.feed(frame(1, "ok") + std::string("\x01\0\0", 3));
  try {
    demux.finish();
    FAIL() << "truncated header accepted";
  } catch (const StreamError& e) {
    EXPECT_EQ(e.reason(), StreamError::Reason::truncated);
  }
  EXPECT_EQ(c.out, "ok");
}

TEST(StreamDemux, TruncatedInsidePayload) {
  const std::string input = frame(2, "0123456789");
  Collected c;
  auto demux = collecting(c);
  demux.feed(input.substr(0, input.size() - 4));
  EXPECT_EQ(c.err, "012345");  // delivered as it arrived
  try {
    demux.finish();
    FAIL() << "truncated payload accepted";
  } catch (const StreamError& e) {
    EXPECT_EQ(e.reason(), StreamError::Reason::truncated);
    EXPECT_NE(std::string(e.what()).find("4 bytes"), std::string::npos) << e.what();
  }
}

TEST(StreamDemux, PaddingBytesAreIgnored) {
  std::string input = frame(1, "pad");
  input[1] = 'x';
  input[3] = '\x7f';
  EXPECT_EQ(demux_all(input).stdout_data, "pad");
}

}  // namespace
