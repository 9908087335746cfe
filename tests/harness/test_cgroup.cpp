// The cgroup and /proc/stat readers on fake trees (cgroup v1 cgroupfs and
// systemd layouts, v2), and on this host's real /proc/stat.
#include "harness_test_support.hpp"

#include <moat/harness/cgroup.hpp>
#include <moat/harness/proc_stat.hpp>

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using moat::harness::ContainerCgroup;
using moat::harness_test::TempDir;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Cgroup, V1CgroupfsLayout) {
  TempDir root;
  const std::string id = "abc123";
  write(root.path() / "cpuacct/docker" / id / "cpuacct.usage", "123456789\n");
  write(root.path() / "memory/docker" / id / "memory.usage_in_bytes", "4194304\n");
  write(root.path() / "memory/docker" / id / "memory.stat",
        "cache 1000\nrss 2000\ntotal_cache 1000\ntotal_rss 1048576\n");
  ContainerCgroup cg(id, root.path());
  EXPECT_EQ(cg.cpu_usage_ns(), 123456789u);
  auto m = cg.memory();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->usage_bytes, 4194304u);
  EXPECT_EQ(m->rss_bytes, 1048576u);  // total_rss wins over rss
}

TEST(Cgroup, V1SystemdLayoutAndCombinedController) {
  TempDir root;
  write(root.path() / "cpu,cpuacct/system.slice/docker-x1.scope/cpuacct.usage", "42\n");
  EXPECT_EQ(ContainerCgroup("x1", root.path()).cpu_usage_ns(), 42u);
}

TEST(Cgroup, V2Layout) {
  TempDir root;
  write(root.path() / "system.slice/docker-v2id.scope/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
  write(root.path() / "system.slice/docker-v2id.scope/memory.current", "8192\n");
  write(root.path() / "system.slice/docker-v2id.scope/memory.stat", "anon 4096\nfile 4096\n");
  ContainerCgroup cg("v2id", root.path());
  EXPECT_EQ(cg.cpu_usage_ns(), 1500000u);
  ASSERT_TRUE(cg.memory());
  EXPECT_EQ(cg.memory()->usage_bytes, 8192u);
  EXPECT_EQ(cg.memory()->rss_bytes, 4096u);
}

TEST(Cgroup, MissingContainerIsNullopt) {
  TempDir root;
  ContainerCgroup cg("gone", root.path());
  EXPECT_FALSE(cg.cpu_usage_ns());
  EXPECT_FALSE(cg.memory());
  EXPECT_NE(cg.searched().find("gone"), std::string::npos);
  EXPECT_FALSE(ContainerCgroup("", root.path()).cpu_usage_ns());
}

TEST(ProcStat, BusyTimeFromAFakeFile) {
  TempDir dir;
  // user nice system idle iowait irq softirq steal guest guest_nice
  write(dir.path() / "stat", "cpu  100 5 50 1000 20 1 2 3 0 0\ncpu0 50 2 25 500 10 0 1 1 0 0\n");
  auto ms = moat::harness::host_busy_cpu_ms(dir.path() / "stat");
  ASSERT_TRUE(ms);
  const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  EXPECT_DOUBLE_EQ(*ms, (100 + 5 + 50 + 1 + 2 + 3) * tick_ms);  // idle and iowait excluded
}

TEST(ProcStat, RealHostAdvances) {
  auto a = moat::harness::host_busy_cpu_ms();
  ASSERT_TRUE(a);
  EXPECT_GT(*a, 0);
  EXPECT_FALSE(moat::harness::host_busy_cpu_ms("/nonexistent/stat"));
}

}  // namespace
