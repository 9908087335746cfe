#include <moat/core/file_safety.hpp>

#include "support.hpp"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace moat::core {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

fs::path make_file(const fs::path& p, fs::perms mode = fs::perms(0755)) {
  std::ofstream(p) << "not really a plugin";
  fs::permissions(p, mode);
  return p;
}

TEST(FileSafety, AcceptsOurOwnFileInOurOwnFolder) {
  TempDir dir;
  const auto f = make_file(dir / "moat-x.so");
  EXPECT_EQ(unsafe_reason(f), std::nullopt);
}

TEST(FileSafety, RefusesAWorldWritableFile) {
  TempDir dir;
  const auto f = make_file(dir / "moat-x.so", fs::perms(0757));
  const auto why = unsafe_reason(f);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("plugin file " + f.string()), std::string::npos) << *why;
  EXPECT_NE(why->find("everyone"), std::string::npos) << *why;
  EXPECT_NE(why->find("chmod go-w " + f.string()), std::string::npos) << *why;
}

TEST(FileSafety, RefusesAGroupWritableFile) {
  TempDir dir;
  const auto f = make_file(dir / "moat-x.so", fs::perms(0775));
  const auto why = unsafe_reason(f);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("its group"), std::string::npos) << *why;
}

TEST(FileSafety, RefusesAWritableFolder) {
  TempDir dir;
  const auto f = make_file(dir / "moat-x.so");
  fs::permissions(dir.path(), fs::perms(0777));
  const auto why = unsafe_reason(f);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("plugin folder " + dir.path().string()), std::string::npos) << *why;
  EXPECT_NE(why->find("chmod go-w " + dir.path().string()), std::string::npos) << *why;
}

TEST(FileSafety, RefusesAFileOwnedBySomeoneElse) {
  TempDir dir;
  const auto f = make_file(dir / "moat-x.so");
  std::optional<std::string> why;
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(f.c_str(), 4242, 4242), 0);
    why = unsafe_reason(f);
  } else {
    // The file is ours; pretend the invoking user is someone else.
    why = unsafe_reason(f, ::getuid() + 1);
  }
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("is owned by uid"), std::string::npos) << *why;
  EXPECT_NE(why->find("chown root " + f.string()), std::string::npos) << *why;
}

TEST(FileSafety, RefusesASymlinkIntoAWritableFolder) {
  TempDir safe;
  TempDir unsafe;
  const auto real = make_file(unsafe / "moat-x.so");
  fs::permissions(unsafe.path(), fs::perms(0777));
  const auto link = safe / "moat-x.so";
  fs::create_symlink(real, link);
  const auto why = unsafe_reason(link);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find(unsafe.path().string()), std::string::npos) << *why;
}

TEST(FileSafety, RefusesAMissingFile) {
  TempDir dir;
  const auto why = unsafe_reason(dir / "moat-none.so");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("cannot check"), std::string::npos) << *why;
}

}  // namespace
}  // namespace moat::core
