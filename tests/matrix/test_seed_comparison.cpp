// Measured cells against the seed's: notes and the disagreement list;
// declared rows carried over; unavailable cells never disagree.
#include "matrix_test_support.hpp"

#include <moat/matrix/requirements.hpp>
#include <moat/matrix/seed_comparison.hpp>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::cell;
using moat::matrix_test::column;
using moat::matrix_test::shipped_seed;

namespace {

std::vector<Row> all_rows() {
  std::vector<Row> rows;
  for (const auto& r : requirement_catalogue()) rows.push_back({r, {}});
  return rows;
}

Row& row_in(std::vector<Row>& rows, const std::string& id) {
  for (auto& r : rows)
    if (r.requirement.id == id) return r;
  throw std::runtime_error("no row " + id);
}

}  // namespace

TEST(SeedComparison, NotesEachDisagreementAndListsIt) {
  std::vector<Column> cols = {column("gvisor"), column("runc"), column("sysbox", false, "not installed")};
  auto rows = all_rows();
  row_in(rows, "dynamic-networking").cells["gvisor"] = cell(Verdict::no, "never saw the network");
  row_in(rows, "bind-mounts").cells["gvisor"] = cell(Verdict::yes);
  row_in(rows, "persistent-workspace").cells["gvisor"] = cell(Verdict::yes);
  row_in(rows, "docker-in-docker").cells["runc"] = cell(Verdict::no);
  row_in(rows, "docker-in-docker").cells["sysbox"] = cell(Verdict::unavailable, "not installed");
  auto d = compare_with_seed(shipped_seed(), cols, rows);
  ASSERT_EQ(d.size(), 2U);
  EXPECT_EQ(d[0].row, "persistent-workspace");
  EXPECT_EQ(d[0].note, "seed says ❌, measured ✅");
  EXPECT_EQ(d[1].row, "dynamic-networking");
  EXPECT_EQ(d[1].column, "gvisor");
  EXPECT_EQ(d[1].note, "seed says ✅, measured ❌");
  EXPECT_EQ(d[1].evidence, "never saw the network");
  const Cell& agrees = row_in(rows, "bind-mounts").cells["gvisor"];
  EXPECT_EQ(agrees.seed, Verdict::yes);
  EXPECT_TRUE(agrees.note.empty());
  // The seed has no runc column; sysbox could not be measured.
  EXPECT_FALSE(row_in(rows, "docker-in-docker").cells["runc"].seed);
  EXPECT_TRUE(row_in(rows, "docker-in-docker").cells["sysbox"].note.empty());
  EXPECT_EQ(row_in(rows, "docker-in-docker").cells["sysbox"].seed, Verdict::yes);
}

TEST(SeedComparison, BootOutsideTheSeedsRangeIsADisagreement) {
  std::vector<Column> cols = {column("gvisor"), column("kata")};
  auto rows = all_rows();
  Cell fast = cell(Verdict::yes);
  fast.value_ms = 800;
  row_in(rows, "boot-time").cells["gvisor"] = fast;
  Cell in_range = cell(Verdict::yes);
  in_range.value_ms = 450;
  row_in(rows, "boot-time").cells["kata"] = in_range;
  auto d = compare_with_seed(shipped_seed(), cols, rows);
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].column, "gvisor");
  EXPECT_EQ(d[0].note, "seed says 2-5s (\"Boot Time\"), measured 800 ms (faster than the seed's range)");
  EXPECT_EQ(row_in(rows, "boot-time").cells["kata"].seed_text, "125-500ms");
}

TEST(SeedComparison, DeclaredRowsCarryTheSeedsMarksForItsColumnsOnly) {
  std::vector<Column> cols = {column("sysbox", false, "x"), column("firecracker", false, "y"), column("runc")};
  Column variant = column("runc+dind");
  variant.runtime = "runc";
  variant.dind = DindPolicy::always;
  cols.push_back(variant);
  auto rows = all_rows();
  fill_declared_rows(shipped_seed(), cols, rows);
  const Row& ops = row_in(rows, "low-ops-complexity");
  ASSERT_EQ(ops.cells.size(), 2U);
  EXPECT_EQ(ops.cells.at("sysbox").verdict, Verdict::partial);
  EXPECT_TRUE(ops.cells.at("sysbox").declared);
  EXPECT_EQ(ops.cells.at("firecracker").verdict, Verdict::no);
  EXPECT_NE(ops.cells.at("sysbox").summary.find("not measured"), std::string::npos);
  EXPECT_TRUE(row_in(rows, "docker-in-docker").cells.empty());
}
