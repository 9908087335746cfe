// core::ProbeVerdictFile: when a create may reuse a probe verdict an earlier
// moat process kept, and when it must probe again.
#include <moat/core/probe_verdict_file.hpp>

#include "support.hpp"

#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace moat::core {
namespace {

using test::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A plugin file, a file the verdict rests on, and a clock a test moves.
class ProbeVerdicts : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(plugin_) << "plugin";
    std::ofstream(runtime_) << "runtime";
  }
  [[nodiscard]] ProbeVerdictFile open() const {
    return {dir_ / "cache" / "probe-verdicts.json", 300s, [this] { return now_; }};
  }
  [[nodiscard]] ProbeKey key() const { return {"gvisor", plugin_, "0.1.0", R"({"fallback":"runsc-nonet"})"}; }
  [[nodiscard]] ProbeResult available() const {
    ProbeResult r;
    r.available = true;
    r.engine_runtime = "runsc";
    r.version = "20221219";
    r.depends_on = {runtime_.string()};
    return r;
  }
  // A file rewritten: a new mtime (and, written anew, maybe a new inode).
  static void rewrite(const fs::path& file, const std::string& text) {
    std::this_thread::sleep_for(10ms);  // a distinct mtime even on coarse clocks
    const fs::path tmp = file.string() + ".new";
    std::ofstream(tmp) << text;
    fs::rename(tmp, file);
  }

  TempDir dir_;
  fs::path plugin_ = dir_ / "moat-gvisor.so";
  fs::path runtime_ = dir_ / "runsc";
  ProbeVerdictFile::Clock::time_point now_ = ProbeVerdictFile::Clock::now();
};

TEST_F(ProbeVerdicts, AnAvailableVerdictIsReusedByTheNextProcessUntilItExpires) {
  open().store(key(), available());
  const auto kept = open().lookup(key());  // another process: it reads the file
  ASSERT_TRUE(kept.has_value());
  EXPECT_TRUE(kept->available);
  EXPECT_EQ(kept->engine_runtime, "runsc");
  EXPECT_EQ(kept->version, "20221219");
  now_ += 299s;
  EXPECT_TRUE(open().lookup(key()).has_value());
  now_ += 1s;
  EXPECT_FALSE(open().lookup(key()).has_value()) << "300 s old: expired";
}

TEST_F(ProbeVerdicts, AChangedFileItRestsOnIsAMiss) {
  open().store(key(), available());
  rewrite(runtime_, "another runtime");
  EXPECT_FALSE(open().lookup(key()).has_value());
}

TEST_F(ProbeVerdicts, AFileGoneIsAMiss) {
  open().store(key(), available());
  fs::remove(runtime_);
  EXPECT_FALSE(open().lookup(key()).has_value());
}

TEST_F(ProbeVerdicts, AnotherPluginFileVersionOrConfigurationIsAMiss) {
  open().store(key(), available());
  ProbeKey other = key();
  other.plugin_version = "0.2.0";
  EXPECT_FALSE(open().lookup(other).has_value());
  other = key();
  other.config = R"({"fallback":""})";
  EXPECT_FALSE(open().lookup(other).has_value());
  other = key();
  other.runtime_id = "runc";
  EXPECT_FALSE(open().lookup(other).has_value());
  rewrite(plugin_, "a rebuilt plugin");
  EXPECT_FALSE(open().lookup(key()).has_value());
}

TEST_F(ProbeVerdicts, OnlyAvailableVerdictsThatNameTheirFilesAreKept) {
  ProbeResult unavailable = available();
  unavailable.available = false;
  unavailable.reason = "not registered";
  open().store(key(), unavailable);
  EXPECT_FALSE(open().lookup(key()).has_value());

  ProbeResult unanchored = available();
  unanchored.depends_on.clear();
  open().store(key(), unanchored);
  EXPECT_FALSE(open().lookup(key()).has_value()) << "no files named: nothing tells a change";

  ProbeResult unseen = available();
  unseen.depends_on.push_back((dir_ / "missing").string());
  open().store(key(), unseen);
  EXPECT_FALSE(open().lookup(key()).has_value()) << "a file it cannot stat cannot tell a change";
}

TEST_F(ProbeVerdicts, AnUnavailableVerdictForgetsTheKeptOne) {
  open().store(key(), available());
  ProbeResult unavailable = available();
  unavailable.available = false;
  open().store(key(), unavailable);
  EXPECT_FALSE(open().lookup(key()).has_value());
}

TEST_F(ProbeVerdicts, ZeroReuseNeverReuses) {
  ProbeVerdictFile never(dir_ / "cache" / "probe-verdicts.json", 0s, [this] { return now_; });
  never.store(key(), available());
  EXPECT_FALSE(never.lookup(key()).has_value());
}

TEST_F(ProbeVerdicts, AForeignOrBrokenFileIsIgnoredAndReplaced) {
  fs::create_directories(dir_ / "cache");
  std::ofstream(dir_ / "cache" / "probe-verdicts.json") << "{ not json";
  EXPECT_FALSE(open().lookup(key()).has_value());
  open().store(key(), available());
  EXPECT_TRUE(open().lookup(key()).has_value());
  std::ofstream(dir_ / "cache" / "probe-verdicts.json")
      << R"({"format": 1, "runtimes": {"gvisor": {"taken_at": "x"}}})";
  EXPECT_FALSE(open().lookup(key()).has_value());
}

}  // namespace
}  // namespace moat::core
