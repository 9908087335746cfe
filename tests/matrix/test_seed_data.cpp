// The seed's tables as shipped: every cell of both tables, with the seed's
// marks and column mapping; malformed files are refused with the field named.
#include "matrix_test_support.hpp"

#include <moat/error.hpp>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::shipped_seed;
using json = nlohmann::json;

TEST(SeedData, HasEveryCellOfTheRequirementsMatrix) {
  const SeedData& s = shipped_seed();
  ASSERT_EQ(s.columns.size(), 5U);
  EXPECT_EQ(s.columns[0].runtime, "sysbox");
  EXPECT_EQ(s.columns[1].runtime, "firecracker");
  EXPECT_EQ(s.columns[1].seed_name, "Fire");
  EXPECT_FALSE(s.columns[1].plugin);
  EXPECT_EQ(s.columns[2].runtime, "flintlock");
  EXPECT_EQ(s.columns[3].runtime, "gvisor");
  EXPECT_EQ(s.columns[4].runtime, "kata");
  ASSERT_EQ(s.requirements.size(), 8U);
  for (const auto& r : s.requirements) EXPECT_EQ(r.cells.size(), 5U) << r.feature;
}

TEST(SeedData, CellsReadAsTheSeedWritesThem) {
  const SeedData& s = shipped_seed();
  auto v = [&](const char* row, const char* rt) { return s.requirement_row(row)->cells.at(rt).verdict; };
  EXPECT_EQ(v("docker-in-docker", "sysbox"), Verdict::yes);
  EXPECT_EQ(v("docker-in-docker", "firecracker"), Verdict::partial);
  EXPECT_EQ(v("docker-in-docker", "flintlock"), Verdict::no);
  EXPECT_EQ(v("docker-in-docker", "gvisor"), Verdict::partial);
  EXPECT_EQ(v("docker-in-docker", "kata"), Verdict::no);
  EXPECT_EQ(v("persistent-workspace", "gvisor"), Verdict::no);
  EXPECT_EQ(v("persistent-workspace", "kata"), Verdict::partial);
  EXPECT_EQ(v("bind-mounts", "gvisor"), Verdict::yes);
  EXPECT_EQ(v("dynamic-networking", "gvisor"), Verdict::yes);
  EXPECT_EQ(v("simple-api", "kata"), Verdict::yes);
  EXPECT_EQ(v("good-performance", "gvisor"), Verdict::partial);
  EXPECT_EQ(v("host-requirements", "firecracker"), Verdict::partial);
  EXPECT_EQ(v("low-ops-complexity", "sysbox"), Verdict::partial);
  EXPECT_EQ(v("low-ops-complexity", "flintlock"), Verdict::no);
  EXPECT_EQ(s.requirement_row("host-requirements")->feature, "Works in Cloud VMs");
}

TEST(SeedData, HasEveryCellOfThePerformanceComparison) {
  const SeedData& s = shipped_seed();
  ASSERT_EQ(s.performance.size(), 4U);
  for (const auto& r : s.performance) EXPECT_EQ(r.cells.size(), 4U) << r.metric;
  const SeedPerformanceRow* boot = s.performance_row("boot-time");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->metric, "Boot Time");
  EXPECT_EQ(boot->cells.at("sysbox").text, "2-5s");
  EXPECT_EQ(*boot->cells.at("kata").min, 125);
  EXPECT_EQ(*boot->cells.at("kata").max, 500);
  EXPECT_EQ(boot->cells.at("firecracker").mark, "✅");
  EXPECT_EQ(s.performance[2].cells.at("kata").text, "2-4x slower");
  EXPECT_EQ(s.performance[2].cells.at("kata").mark, "❌");
  EXPECT_EQ(s.performance[3].cells.at("firecracker").text, "N/A");
}

TEST(SeedData, RefusesAnUnknownMarkNamingTheCell) {
  json j = json::parse(R"({"columns": [{"runtime": "sysbox", "seed_name": "Sysbox"}],
    "requirements_matrix": [{"feature": "X", "matrix_row": "x", "cells": {"sysbox": "?"}}]})");
  try {
    parse_seed(j);
    FAIL() << "accepted a bad mark";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_INVALID);
    EXPECT_NE(std::string(e.what()).find("requirements_matrix[0].cells.sysbox"), std::string::npos) << e.what();
  }
}

TEST(SeedData, RefusesACellOfAnUnknownColumn) {
  json j = json::parse(R"({"columns": [{"runtime": "sysbox", "seed_name": "Sysbox"}],
    "requirements_matrix": [{"feature": "X", "matrix_row": "x", "cells": {"kata": "✅"}}]})");
  EXPECT_THROW(parse_seed(j), moat::Error);
}

TEST(SeedData, MissingFileIsNotFound) {
  try {
    load_seed("/nonexistent/seed-matrix.json");
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  }
}
