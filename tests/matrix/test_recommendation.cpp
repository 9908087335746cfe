// The recommendation from synthetic cells: who meets every requirement
// (ranked by boot), what rules each other column out, with its evidence.
#include "matrix_test_support.hpp"

#include <moat/matrix/recommendation.hpp>
#include <moat/matrix/requirements.hpp>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::cell;
using moat::matrix_test::column;

namespace {

Row row_of(const std::string& id, std::map<std::string, Cell> cells) {
  Row r;
  r.requirement = *find_requirement(id);
  r.cells = std::move(cells);
  return r;
}

Cell boot(double ms) {
  Cell c = cell(boot_verdict(ms), "boot");
  c.value_ms = ms;
  c.facts = {{"source", "live"}, {"n", 5}};
  return c;
}

struct Fixture {
  std::vector<Column> cols = {column("fast"), column("slow"), column("nodind"), column("halfnet"),
                              column("gone", false, "not installed here")};
  std::vector<Row> rows;
  Fixture() {
    rows.push_back(row_of("docker-in-docker", {{"fast", cell(Verdict::yes)},
                                               {"slow", cell(Verdict::yes)},
                                               {"nodind", cell(Verdict::no, "inner dockerd: permission denied")},
                                               {"halfnet", cell(Verdict::yes)},
                                               {"gone", cell(Verdict::unavailable, "not installed here")}}));
    rows.push_back(row_of("dynamic-networking", {{"fast", cell(Verdict::yes)},
                                                 {"slow", cell(Verdict::yes)},
                                                 {"nodind", cell(Verdict::yes)},
                                                 {"halfnet", cell(Verdict::partial, "restarted on connect")},
                                                 {"gone", cell(Verdict::unavailable, "not installed here")}}));
    rows.push_back(
        row_of("boot-time", {{"fast", boot(400)}, {"slow", boot(2500)}, {"nodind", boot(100)}, {"halfnet", boot(50)}}));
  }
};

}  // namespace

TEST(Recommendation, RanksTheColumnsThatMeetEveryRequirementByBoot) {
  Fixture f;
  Recommendation r = recommend(f.cols, f.rows, {"docker-in-docker", "dynamic-networking"});
  ASSERT_EQ(r.ranked.size(), 2U);
  EXPECT_EQ(r.ranked[0].column, "fast");
  EXPECT_EQ(r.ranked[1].column, "slow");
  ASSERT_TRUE(r.ranked[0].boot_ms);
  EXPECT_DOUBLE_EQ(*r.ranked[0].boot_ms, 400);
  EXPECT_EQ(r.ranked[0].boot_source, "live: median of 5");
  EXPECT_NE(r.text.find("fast (boot 0.40 s), slow (boot 2.50 s)"), std::string::npos) << r.text;
}

TEST(Recommendation, SaysWhichRequirementRulesEachOtherColumnOutWithEvidence) {
  Fixture f;
  Recommendation r = recommend(f.cols, f.rows, {"docker-in-docker", "dynamic-networking"});
  ASSERT_EQ(r.ruled_out.size(), 3U);
  EXPECT_EQ(r.ruled_out[0].column, "nodind");
  ASSERT_EQ(r.ruled_out[0].failures.size(), 1U);
  EXPECT_EQ(r.ruled_out[0].failures[0].requirement, "docker-in-docker");
  EXPECT_EQ(r.ruled_out[0].failures[0].verdict, Verdict::no);
  EXPECT_EQ(r.ruled_out[0].failures[0].evidence, "inner dockerd: permission denied");
  // Partial does not meet a requirement.
  EXPECT_EQ(r.ruled_out[1].column, "halfnet");
  EXPECT_EQ(r.ruled_out[1].failures[0].requirement, "dynamic-networking");
  EXPECT_EQ(r.ruled_out[1].failures[0].verdict, Verdict::partial);
  EXPECT_EQ(r.ruled_out[2].column, "gone");
  EXPECT_EQ(r.ruled_out[2].failures.size(), 2U);
  EXPECT_NE(
      r.text.find("nodind is ruled out by docker-in-docker no (docker-in-docker: inner dockerd: permission denied)"),
      std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("Unavailable here: gone."), std::string::npos) << r.text;
}

TEST(Recommendation, NoneMeetsEverythingNamesTheClosestMeasuredColumn) {
  Fixture f;
  f.rows[0].cells["fast"] = cell(Verdict::no);
  f.rows[0].cells["slow"] = cell(Verdict::no);
  f.rows[1].cells["slow"] = cell(Verdict::no);
  Recommendation r = recommend(f.cols, f.rows, {"docker-in-docker", "dynamic-networking"});
  EXPECT_TRUE(r.ranked.empty());
  EXPECT_NE(r.text.find("No runtime here meets every requirement. Closest: fast (fails docker-in-docker)"),
            std::string::npos)
      << r.text;
}

TEST(Recommendation, AColumnWithoutACellForARequirementIsRuledOut) {
  Fixture f;
  Recommendation r = recommend(f.cols, f.rows, {"persistent-workspace"});
  EXPECT_TRUE(r.ranked.empty());
  EXPECT_EQ(r.ruled_out.size(), f.cols.size());
  EXPECT_EQ(r.ruled_out[0].failures[0].evidence, "not probed");
}

TEST(Recommendation, UnmeasuredBootGoesLastAndHarnessFiguresAreAttached) {
  Fixture f;
  f.rows[2].cells.erase("fast");
  std::map<std::string, nlohmann::json> figures = {{"slow", nlohmann::json::array({{{"scenario", "io"}}})}};
  Recommendation r = recommend(f.cols, f.rows, {"docker-in-docker"}, figures);
  ASSERT_EQ(r.ranked.size(), 3U);
  EXPECT_EQ(r.ranked[0].column, "halfnet");
  EXPECT_EQ(r.ranked[1].column, "slow");
  EXPECT_EQ(r.ranked[2].column, "fast");
  EXPECT_FALSE(r.ranked[2].boot_ms);
  EXPECT_EQ(r.ranked[1].figures.size(), 1U);
}
