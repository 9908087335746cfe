// What the requirement checks parse: capability masks, uid maps,
// which filesystems support ID-mapped mounts, and evidence recording helpers.
#include <moat/matrix/capabilities.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/matrix/host_facts.hpp>

#include <gtest/gtest.h>

#include <algorithm>

using namespace moat::matrix;

TEST(Capabilities, DecodesDockersDefaultSet) {
  const auto mask = status_mask("Name:\tsh\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\n", "CapEff");
  ASSERT_TRUE(mask);
  EXPECT_EQ(*mask, docker_default_capabilities());
  const auto names = capability_names(*mask);
  EXPECT_EQ(names.size(), 14U);
  EXPECT_EQ(names.front(), "CAP_CHOWN");
  EXPECT_NE(std::find(names.begin(), names.end(), "CAP_NET_BIND_SERVICE"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "CAP_SYS_ADMIN"), names.end());
}

TEST(Capabilities, DecodesAFullSetAndUnknownBits) {
  const auto names = capability_names(0x000001ffffffffffULL);
  EXPECT_EQ(names.size(), 41U);
  EXPECT_EQ(names.back(), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(capability_names(std::uint64_t{1} << 50), (std::vector<std::string>{"CAP_50"}));
  EXPECT_FALSE(status_mask("CapEff:\tzz\n", "CapEff"));
  EXPECT_FALSE(status_mask("CapPrm:\t0\n", "CapEff"));
}

TEST(Capabilities, IdentityMapMeansNoUserNamespace) {
  EXPECT_TRUE(is_identity_map("         0          0 4294967295\n"));
  EXPECT_FALSE(is_identity_map("         0     165536      65536\n"));
  EXPECT_FALSE(is_identity_map("0 0 1000\n1000 2000 1\n"));
  EXPECT_FALSE(is_identity_map(""));
}

TEST(HostFacts, IdMappedMountSupportByFilesystem) {
  EXPECT_EQ(idmap_min_kernel("ext4"), std::make_pair(5, 12));
  EXPECT_EQ(idmap_min_kernel("tmpfs"), std::make_pair(6, 3));
  EXPECT_FALSE(idmap_min_kernel("nfs"));
}

TEST(HostFacts, GatheredWithoutAnEngine) {
  const auto j = gather_host_facts(nullptr, "/tmp");
  EXPECT_FALSE(j.value("kernel", "").empty());
  EXPECT_TRUE(j.contains("cgroup"));
  EXPECT_TRUE(j.contains("kvm"));
  EXPECT_GT(j.value("dev_entries", 0), 0);
  EXPECT_EQ(j.value("self_starttime", "").empty(), false);
  EXPECT_FALSE(j.contains("engine"));
}

TEST(Evidence, ArgvIsShownQuoted) {
  EXPECT_EQ(show_argv({"docker", "info", "--format", "{{.ServerVersion}} x"}),
            "docker info --format '{{.ServerVersion}} x'");
  EXPECT_EQ(show_argv({"sh", "-c", "it's"}), "sh -c 'it'\\''s'");
}
