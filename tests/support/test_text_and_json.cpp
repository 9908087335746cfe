// moat::support's text helpers and lenient JSON reads: what every caller
// relies on when it trims an answer or reads a field of unknown shape.
#include <moat/support/json_read.hpp>
#include <moat/support/process.hpp>
#include <moat/support/text.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

namespace {

using moat::support::bool_at;
using moat::support::first_line;
using moat::support::last_line;
using moat::support::member;
using moat::support::string_at;
using moat::support::trim;
using json = nlohmann::json;

TEST(Text, TrimTakesWhiteSpaceFromBothEnds) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \n\t"), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(Text, FirstAndLastLine) {
  EXPECT_EQ(first_line("  a \nb"), "a");
  EXPECT_EQ(first_line("only"), "only");
  EXPECT_EQ(first_line(""), "");
  EXPECT_EQ(last_line("a\nb\n\n  c  \n"), "c");
  EXPECT_EQ(last_line("one line"), "one line");
  EXPECT_EQ(last_line("\n\n"), "");
}

TEST(JsonRead, AnUnexpectedShapeReadsAsAbsent) {
  const json j = {{"s", "text"}, {"n", 3}, {"b", true}, {"o", {{"inner", "x"}}}};
  EXPECT_EQ(string_at(j, "s"), "text");
  EXPECT_EQ(string_at(j, "n"), "") << "a number is not a string";
  EXPECT_EQ(string_at(j, "missing"), "");
  EXPECT_EQ(string_at(json::array({1, 2}), "s"), "") << "not an object";
  EXPECT_EQ(string_at(member(j, "o"), "inner"), "x");
  EXPECT_TRUE(member(j, "missing").is_null());
  EXPECT_TRUE(member(json("text"), "s").is_null());
  EXPECT_TRUE(bool_at(j, "b", false));
  EXPECT_FALSE(bool_at(j, "s", false)) << "a string is not a bool: the fallback";
  EXPECT_TRUE(bool_at(json(nullptr), "b", true));
}

TEST(ProcStat, CommAndStartTimeOfAStatLine) {
  // comm may hold spaces and parentheses: the last ')' ends it.
  const std::string line =
      "42 (a (weird) name) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10 18446744073709551615";
  const auto st = moat::support::stat_comm_starttime(line);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->first, "a (weird) name");
  EXPECT_EQ(st->second, "123456");
  EXPECT_FALSE(moat::support::stat_comm_starttime("42 (short) S 1"));
  EXPECT_FALSE(moat::support::stat_comm_starttime("garbage"));
}

TEST(ProcStat, ThisProcessHasAStartTimeAndNoProcessHasPidZero) {
  const auto mine = moat::support::process_start_time(::getpid());
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(moat::support::process_start_time(::getpid()), mine) << "stable for one process";
  EXPECT_FALSE(moat::support::process_start_time(0));
}

}  // namespace
