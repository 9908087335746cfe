// Unit tests of the in-band error scan of the engine's JSON progress streams.
#include <moat/engine/json_message_stream.hpp>

#include <gtest/gtest.h>

namespace {

using moat::engine::find_stream_error;

TEST(JsonMessageStream, SuccessfulImportHasNoError) {
  EXPECT_FALSE(find_stream_error("{\"status\":\"sha256:0123abcd\"}\r\n").has_value());
  EXPECT_FALSE(find_stream_error("").has_value());
}

TEST(JsonMessageStream, ErrorDetailIsFoundAfterProgress) {
  const auto error = find_stream_error(
      "{\"status\":\"Importing\",\"progressDetail\":{\"current\":1}}\r\n"
      "{\"errorDetail\":{\"message\":\"Error processing tar file: unexpected EOF\"},"
      "\"error\":\"Error processing tar file: unexpected EOF\"}\r\n");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "Error processing tar file: unexpected EOF");
}

TEST(JsonMessageStream, FlatErrorFieldOfOlderEngines) {
  const auto error = find_stream_error("{\"error\":\"no space left on device\"}");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "no space left on device");
}

TEST(JsonMessageStream, NonJsonLinesAreSkipped) {
  EXPECT_FALSE(find_stream_error("garbage\n{\"stream\":\"Step 1/2\"}\n[1,2]\n").has_value());
  EXPECT_TRUE(find_stream_error("garbage\n{\"error\":\"x\"}").has_value());
}

TEST(JsonMessageStream, MessagesOfAnotherTypeAreSkippedNotThrown) {
  // json::value() threw type_error for these (corpus/engine_json/errordetail-message-not-a-string).
  EXPECT_FALSE(find_stream_error("{\"errorDetail\":{\"message\":1}}\n{\"error\":[\"x\"]}").has_value());
  const auto error = find_stream_error("{\"errorDetail\":{\"message\":null},\"error\":\"flat\"}");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "flat");
}

}  // namespace
