// An unknown runtime id is 69 (EX_UNAVAILABLE) on every command that takes
// one (docs/exit-codes.md), with one line that names it and the known ids,
// and nothing is run or created.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

using namespace moat::sandbox_test;
namespace fs = std::filesystem;

namespace {

// The error lines ("moat: ..."); `moat bench` announces its run on stderr first ("moat bench: run ...").
std::vector<std::string> error_lines(const std::string& err) {
  std::vector<std::string> out;
  for (auto& l : lines(err))
    if (l.rfind("moat: ", 0) == 0) out.push_back(std::move(l));
  return out;
}

void expect_unknown_runtime(const moat::test::ProcessResult& r, const std::string& says) {
  EXPECT_EQ(r.exit_code, 69) << r.err;
  const auto err = error_lines(r.err);
  ASSERT_EQ(err.size(), 1u) << "exactly one error line: " << r.err;
  EXPECT_NE(err[0].find(says), std::string::npos) << err[0];
  EXPECT_NE(err[0].find("runc"), std::string::npos) << "names the known ids: " << err[0];
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliUnknownRuntimeId, SandboxCreateIs69) {
  const std::string name = unique_name("unknown-id");
  Cleanup cleanup(name);
  expect_unknown_runtime(run_moat({"sandbox", "create", name, "--runtime", "nosuch", "--image", kBaseImage, "--start"}),
                         "unknown runtime 'nosuch'");
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(CliUnknownRuntimeId, BenchIs69) {
  TempDir out("msb-bench-out");
  expect_unknown_runtime(run_moat({"bench", "--runtimes", "nosuch", "--suite", "boot", "--out", out.str()}),
                         "unknown runtime 'nosuch'");
  EXPECT_FALSE(fs::exists(out.path() / "results.jsonl")) << "nothing was measured";
}

TEST(CliUnknownRuntimeId, MatrixIs69) {
  expect_unknown_runtime(run_moat({"matrix", "--runtimes", "nosuch"}), "unknown runtime 'nosuch'");
}

TEST(CliUnknownRuntimeId, PluginsInfoIs69) {
  expect_unknown_runtime(run_moat({"plugins", "info", "nosuch"}), "'nosuch'");
}

}  // namespace
