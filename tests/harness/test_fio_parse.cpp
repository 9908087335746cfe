// fio's JSON output as fio 3.33 printed it on this host (tests/harness/data,
// captured with the shipped job files), and the ways it can go wrong.
#include <moat/error.hpp>
#include <moat/harness/fio.hpp>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace {

using moat::harness::parse_fio_json;

std::string read(const std::string& name) {
  std::ifstream in(std::string(MOAT_HARNESS_TEST_DATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FioParse, SequentialReadBandwidthAndIops) {
  auto r = parse_fio_json(read("fio-seqread-1m.json"));
  EXPECT_EQ(r.version, "fio-3.33");
  ASSERT_EQ(r.jobs.size(), 1u);
  const auto& j = r.jobs[0];
  EXPECT_EQ(j.name, "seqread-1m");
  EXPECT_EQ(j.error, 0);
  // Captured: "bw" : 954576 (KiB/s), "iops" : 932.203390.
  EXPECT_NEAR(j.read.bw_mib_s, 954576.0 / 1024.0, 1e-9);
  EXPECT_NEAR(j.read.iops, 932.20339, 1e-5);
  EXPECT_EQ(j.write.iops, 0);
  EXPECT_GT(j.runtime_ms, 0);
}

TEST(FioParse, RandomWriteIops) {
  auto r = parse_fio_json(read("fio-randwrite-4k.json"));
  ASSERT_EQ(r.jobs.size(), 1u);
  EXPECT_EQ(r.jobs[0].name, "randwrite-4k");
  EXPECT_GT(r.jobs[0].write.iops, 0);
  EXPECT_NEAR(r.jobs[0].write.bw_mib_s * 1024.0 / 4.0, r.jobs[0].write.iops, r.jobs[0].write.iops * 0.02);
  EXPECT_EQ(r.jobs[0].read.iops, 0);
}

TEST(FioParse, FsyncJobHasSyncLatency) {
  auto r = parse_fio_json(read("fio-fsync-4k.json"));
  ASSERT_EQ(r.jobs.size(), 1u);
  EXPECT_NEAR(r.jobs[0].write.iops, 149.700599, 1e-6);
  EXPECT_NEAR(r.jobs[0].sync_lat_mean_us, 6654488.28 / 1000.0, 1e-6);
}

TEST(FioParse, ToleratesWarningsBeforeTheDocument) {
  const std::string doc = "fio: this platform does not support process shared mutexes, forcing use of threads.\n" +
                          read("fio-seqread-1m.json");
  auto r = parse_fio_json(doc);
  EXPECT_EQ(r.jobs.at(0).name, "seqread-1m");
}

TEST(FioParse, ReportsJobErrors) {
  std::string doc = read("fio-randwrite-4k.json");
  const auto pos = doc.find("\"error\" : 0");
  ASSERT_NE(pos, std::string::npos);
  doc.replace(pos, 11, "\"error\" : 28");
  EXPECT_EQ(parse_fio_json(doc).jobs.at(0).error, 28);
}

TEST(FioParse, RejectsWhatIsNotFioJson) {
  for (const std::string bad : {"", "fio: /nonexistent is not a directory\n", "{\"jobs\": []}", "{ not json"}) {
    try {
      parse_fio_json(bad);
      FAIL() << "accepted: " << bad;
    } catch (const moat::Error& e) {
      EXPECT_EQ(e.status(), MOAT_E_INVALID) << bad;
    }
  }
}

}  // namespace
