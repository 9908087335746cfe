// The broker's pipe protocol: headers round-trip, and anything else is refused.
#include <moat/core/broker_protocol.hpp>

#include <gtest/gtest.h>

namespace moat::core::broker {
namespace {

TEST(BrokerProtocol, AnswerLogAndOutputHeadersRoundTrip) {
  for (const char kind : {'A', 'L', 'O'}) {
    std::string line = answer_header(kind, 2, 262144);
    ASSERT_EQ(line.back(), '\n');
    line.pop_back();
    const auto h = parse_answer_header(line);
    ASSERT_TRUE(h) << line;
    EXPECT_EQ(h->kind, kind);
    EXPECT_EQ(h->code, 2);
    EXPECT_EQ(h->length, 262144u);
  }
  for (const char* bad : {"X 1 2", "O 1", "O one 2", "O 1 2 3", ""}) EXPECT_FALSE(parse_answer_header(bad)) << bad;
  std::string request = request_header("sandbox_exec_stream", false, 10);
  request.pop_back();
  const auto r = parse_request_header(request);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->op, "sandbox_exec_stream");
}

// The frames moat sends during an interactive exec have the request form.
TEST(BrokerProtocol, InteractiveInputFramesParseAsRequests) {
  for (const char* op :
       {"sandbox_exec_interactive", "input_data", "input_eof", "input_resize", "input_stop", "input_done"}) {
    std::string line = request_header(op, false, kMaxInputFrame);
    line.pop_back();
    const auto r = parse_request_header(line);
    ASSERT_TRUE(r) << op;
    EXPECT_EQ(r->op, op);
    EXPECT_EQ(r->length, kMaxInputFrame);
  }
}

}  // namespace
}  // namespace moat::core::broker
