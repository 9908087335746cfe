#include <moat/core/verdict_cache.hpp>

#include "support.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace moat::core {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

PluginRecord record(PluginStatus status, const std::string& id) {
  PluginRecord r;
  r.status = status;
  r.id = id;
  r.reason = status == PluginStatus::ok ? "" : "because";
  return r;
}

TEST(DefaultCacheFile, FollowsRootXdgAndHome) {
  EXPECT_EQ(default_cache_file(0, "/x", "/root"), fs::path("/var/cache/moat/plugins.json"));
  EXPECT_EQ(default_cache_file(1000, "/xdg", "/home/u"), fs::path("/xdg/moat/plugins.json"));
  EXPECT_EQ(default_cache_file(1000, nullptr, "/home/u"), fs::path("/home/u/.cache/moat/plugins.json"));
  EXPECT_EQ(default_cache_file(1000, "relative", "/home/u"), fs::path("/home/u/.cache/moat/plugins.json"));
  EXPECT_EQ(default_cache_file(1000, nullptr, nullptr), fs::path());
}

TEST(VerdictCache, RoundTripsThroughTheFile) {
  TempDir dir;
  const auto file = dir / "sub" / "plugins.json";
  const FileStamp stamp{100, 123456789, 7};
  {
    VerdictCache c(file);
    EXPECT_EQ(c.lookup("/p/moat-a.so", stamp), std::nullopt);
    c.store("/p/moat-a.so", stamp, record(PluginStatus::ok, "a"));
    c.store("/p/moat-b.so", stamp, record(PluginStatus::crashed, "b"));
    c.save();
  }
  ASSERT_TRUE(fs::exists(file));
  for (const auto& e : fs::directory_iterator(file.parent_path())) {
    EXPECT_EQ(e.path().filename(), "plugins.json") << "temporary file left behind: " << e.path();
  }
  VerdictCache c(file);
  const auto a = c.lookup("/p/moat-a.so", stamp);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->cached);
  EXPECT_EQ(a->id, "a");
  EXPECT_EQ(a->path, fs::path("/p/moat-a.so"));
  const auto b = c.lookup("/p/moat-b.so", stamp);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, PluginStatus::crashed);
  EXPECT_EQ(b->reason, "because");
}

TEST(VerdictCache, ADifferentStampMisses) {
  VerdictCache c("");
  const FileStamp stamp{100, 5, 7};
  c.store("/p/moat-a.so", stamp, record(PluginStatus::ok, "a"));
  EXPECT_TRUE(c.lookup("/p/moat-a.so", stamp));
  EXPECT_FALSE(c.lookup("/p/moat-a.so", FileStamp{101, 5, 7}));
  EXPECT_FALSE(c.lookup("/p/moat-a.so", FileStamp{100, 6, 7}));
  EXPECT_FALSE(c.lookup("/p/moat-a.so", FileStamp{100, 5, 8}));
  EXPECT_FALSE(c.lookup("/q/moat-a.so", stamp));
}

TEST(VerdictCache, CorruptFileIsIgnoredAndRewritten) {
  TempDir dir;
  const auto file = dir / "plugins.json";
  std::ofstream(file) << "{ this is not json";
  VerdictCache c(file);
  EXPECT_FALSE(c.lookup("/p/moat-a.so", FileStamp{}));
  c.save();  // rewritten even with nothing new
  std::ifstream in(file);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("format"), 1);
  EXPECT_TRUE(j.at("plugins").empty());
}

TEST(VerdictCache, WrongShapeAndForeignAbiAreIgnored) {
  TempDir dir;
  const auto file = dir / "plugins.json";
  std::ofstream(file) << R"({"format":1,"host_abi":[1,0],"plugins":{"/p/moat-a.so":{"size":"big"}}})";
  EXPECT_FALSE(VerdictCache(file).lookup("/p/moat-a.so", FileStamp{}));
  std::ofstream(file) << R"({"format":1,"host_abi":[99,0],"plugins":{"/p/moat-a.so":{"size":0,"mtime_ns":0,)"
                         R"("inode":0,"record":{"status":"ok","id":"a"}}}})";
  EXPECT_FALSE(VerdictCache(file).lookup("/p/moat-a.so", FileStamp{}));
}

TEST(VerdictCache, ForgetsFilesThatAreGone) {
  TempDir dir;
  const auto present = dir / "moat-here.so";
  std::ofstream(present) << "x";
  VerdictCache c("");
  c.store(present, FileStamp{}, record(PluginStatus::ok, "here"));
  c.store(dir / "moat-gone.so", FileStamp{}, record(PluginStatus::ok, "gone"));
  c.forget_missing();
  EXPECT_TRUE(c.lookup(present, FileStamp{}));
  EXPECT_FALSE(c.lookup(dir / "moat-gone.so", FileStamp{}));
}

TEST(VerdictCache, UnwritableLocationThrowsNamingTheFile) {
  TempDir dir;
  const auto blocker = dir / "file";
  std::ofstream(blocker) << "x";
  VerdictCache c(blocker / "plugins.json");  // parent is a regular file
  c.store("/p/moat-a.so", FileStamp{}, record(PluginStatus::ok, "a"));
  try {
    c.save();
    FAIL() << "save() should have thrown";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((blocker / "plugins.json").string()), std::string::npos) << e.what();
  }
}

TEST(FileStamp, ReadsSizeMtimeAndInode) {
  TempDir dir;
  const auto f = dir / "f";
  std::ofstream(f) << "12345";
  const auto s = stamp_of(f);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size, 5u);
  EXPECT_NE(s->inode, 0u);
  EXPECT_FALSE(stamp_of(dir / "missing"));
}

}  // namespace
}  // namespace moat::core
