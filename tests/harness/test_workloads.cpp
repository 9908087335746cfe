// The build context of the reference Dockerfile, assembled from the
// dockerfile workload and the C tree (which keeps the only copy of the
// sources): what its COPY lines name must be there, with the tree's bytes.
#include "harness_test_support.hpp"

#include <moat/error.hpp>
#include <moat/harness/workloads.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using moat::harness::assemble_docker_context;
using moat::harness_test::TempDir;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The source of every COPY line ("COPY SRC DST").
std::vector<std::string> copy_sources(const fs::path& dockerfile) {
  std::vector<std::string> out;
  std::istringstream in(read(dockerfile));
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string verb, src;
    if (words >> verb >> src && verb == "COPY") out.push_back(src);
  }
  return out;
}

TEST(Workloads, DockerContextHasWhatTheDockerfileCopies) {
  TempDir dir;
  const fs::path ctx = dir.path() / "dockerfile";
  assemble_docker_context(MOAT_WORKLOADS_DIR_FOR_TESTS, ctx);
  const auto sources = copy_sources(ctx / "Dockerfile");
  ASSERT_EQ(sources, (std::vector<std::string>{"files/", "stamp"}));
  for (const auto& src : sources) EXPECT_TRUE(fs::exists(ctx / src)) << src;
  EXPECT_TRUE(fs::exists(ctx / "make-base.sh"));
}

TEST(Workloads, DockerContextFilesAreTheCTreesOwn) {
  TempDir dir;
  const fs::path ctx = dir.path() / "dockerfile";
  assemble_docker_context(MOAT_WORKLOADS_DIR_FOR_TESTS, ctx);
  const fs::path tree = fs::path(MOAT_WORKLOADS_DIR_FOR_TESTS) / "c-tree";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(ctx / "files")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  const std::vector<std::string> expected = {"Makefile", "mod00.c", "mod01.c", "mod02.c", "mod03.c",
                                             "mod04.c",  "mod05.c", "mod06.c", "mod07.c"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(read(ctx / "files" / "Makefile"), read(tree / "Makefile"));
  for (const auto& name : expected)
    if (name != "Makefile") EXPECT_EQ(read(ctx / "files" / name), read(tree / "src" / name)) << name;
}

TEST(Workloads, DockerContextWithoutTheCTreeIsNotFound) {
  TempDir dir;
  fs::create_directories(dir.path() / "workloads");
  fs::copy(fs::path(MOAT_WORKLOADS_DIR_FOR_TESTS) / "dockerfile", dir.path() / "workloads" / "dockerfile",
           fs::copy_options::recursive);
  try {
    assemble_docker_context(dir.path() / "workloads", dir.path() / "ctx");
    FAIL() << "assembled a context without the C tree";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND) << e.what();
  }
}

}  // namespace
