// Which columns a matrix has, in which order, and what --runtimes accepts.
#include "matrix_test_support.hpp"

#include <moat/error.hpp>
#include <moat/matrix/columns.hpp>
#include <moat/matrix/render.hpp>
#include <moat/matrix/requirements.hpp>
#include <moat/matrix/runner.hpp>

#include <gtest/gtest.h>

using namespace moat::matrix;
using moat::matrix_test::shipped_seed;

namespace {
std::vector<std::string> ids(const std::vector<Column>& cols) {
  std::vector<std::string> out;
  out.reserve(cols.size());
  for (const auto& c : cols) out.push_back(c.id);
  return out;
}
}  // namespace

TEST(Columns, SeedOrderThenTheRestWithRuncTwice) {
  auto cols = plan_columns({"host", "runc", "gvisor", "sysbox", "kata", "zeta"}, shipped_seed(), {});
  EXPECT_EQ(ids(cols), (std::vector<std::string>{"sysbox", "firecracker", "flintlock", "gvisor", "kata", "runc",
                                                 "runc+dind", "host", "zeta"}));
  const Column& runc = cols[5];
  const Column& variant = cols[6];
  EXPECT_EQ(runc.dind, DindPolicy::never);
  EXPECT_EQ(variant.runtime, "runc");
  EXPECT_EQ(variant.dind, DindPolicy::always);
  EXPECT_EQ(cols[3].dind, DindPolicy::docker_checks);
  EXPECT_FALSE(cols[1].has_plugin);
  EXPECT_NE(cols[1].reason.find("no moat plugin for Firecracker"), std::string::npos) << cols[1].reason;
  EXPECT_EQ(cols[0].seed_name, "Sysbox");
}

TEST(Columns, SeedColumnsWithoutAPluginCarryWhatUpstreamDocuments) {
  auto cols = plan_columns({"runc"}, shipped_seed(), {"firecracker", "flintlock", "kata"});
  ASSERT_EQ(cols.size(), 3U);
  for (const Column* c : {&cols[0], &cols[1]}) {
    ASSERT_TRUE(c->documented) << c->id;
    EXPECT_EQ(c->description, c->documented->text) << c->id;
    EXPECT_FALSE(c->documented->sources.empty()) << c->id;
    EXPECT_NE(c->reason.find("what upstream documents, not measurements"), std::string::npos) << c->reason;
    EXPECT_EQ(short_reason(*c), "no moat plugin");
  }
  // A plugin moat ships but did not load: no documentation stands in for it.
  EXPECT_FALSE(cols[2].documented);
}

TEST(Columns, SeedColumnWithoutItsPluginLoadedSaysSo) {
  auto cols = plan_columns({"runc"}, shipped_seed(), {"kata"});
  ASSERT_EQ(cols.size(), 1U);
  EXPECT_FALSE(cols[0].has_plugin);
  EXPECT_NE(cols[0].reason.find("no moat plugin with id 'kata'"), std::string::npos) << cols[0].reason;
}

TEST(Columns, RequestedSubsetKeepsCanonicalOrder) {
  auto cols = plan_columns({"host", "runc", "gvisor"}, shipped_seed(), {"host", "runc+dind", "gvisor"});
  EXPECT_EQ(ids(cols), (std::vector<std::string>{"gvisor", "runc+dind", "host"}));
}

TEST(Columns, UnknownIdIsRefusedListingTheKnownOnes) {
  try {
    plan_columns({"runc"}, shipped_seed(), {"podman"});
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
    const std::string m = e.what();
    EXPECT_NE(m.find("'podman'"), std::string::npos) << m;
    EXPECT_NE(m.find("runc+dind"), std::string::npos) << m;
  }
}

TEST(Requirements, DefaultProfileIsTheSeeds) {
  EXPECT_EQ(default_profile(), (std::vector<std::string>{"docker-in-docker", "persistent-dind", "persistent-workspace",
                                                         "bind-mounts", "dynamic-networking", "unprivileged"}));
  EXPECT_EQ(check_requirements(default_profile()), default_profile());
}

TEST(Requirements, UnknownOrDeclaredRowsCannotBeRequired) {
  EXPECT_THROW(check_requirements({"docker-in-docker", "teleportation"}), moat::Error);
  EXPECT_THROW(check_requirements({"simple-api"}), moat::Error);
  EXPECT_EQ(check_requirements({"boot-time", "boot-time"}), (std::vector<std::string>{"boot-time"}));
}

TEST(Requirements, RowsFollowTheSeedsTableOrder) {
  std::vector<std::string> got;
  for (const auto& r : requirement_catalogue()) got.push_back(r.id);
  EXPECT_EQ(got,
            (std::vector<std::string>{"docker-in-docker", "persistent-dind", "persistent-workspace", "bind-mounts",
                                      "dynamic-networking", "unprivileged", "isolation", "simple-api",
                                      "good-performance", "boot-time", "host-requirements", "low-ops-complexity"}));
  EXPECT_EQ(boot_verdict(900), Verdict::yes);
  EXPECT_EQ(boot_verdict(3000), Verdict::partial);
  EXPECT_EQ(boot_verdict(6000), Verdict::no);
}
