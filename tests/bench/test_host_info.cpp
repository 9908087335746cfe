// collect_host_info reads the running system; checked against values
// obtained independently (uname(2), sysconf) and a mount whose type is known
// everywhere (/proc is procfs).
#include <moat/bench/report/host_info.hpp>
#include <moat/error.hpp>

#include <gtest/gtest.h>

#include <sys/utsname.h>
#include <unistd.h>

using namespace moat::bench;

TEST(HostInfo, DescribesThisMachine) {
  const HostInfo h = collect_host_info("/proc/self/..");
  struct utsname u {};
  ASSERT_EQ(::uname(&u), 0);
  EXPECT_EQ(h.kernel, u.release);
  EXPECT_EQ(h.hostname, u.nodename);
  EXPECT_EQ(h.cores, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_GT(h.memory_bytes, 64ULL << 20);
  EXPECT_EQ(h.workdir, "/proc");
  EXPECT_EQ(h.workdir_filesystem, "proc");
  EXPECT_TRUE(h.extra.contains("dev_kvm"));
  EXPECT_FALSE(collect_host_info("/").workdir_filesystem.empty());
}

TEST(HostInfo, MissingWorkdirIsAnError) {
  try {
    collect_host_info("/nonexistent/moat/workdir");
    FAIL();
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  }
}
