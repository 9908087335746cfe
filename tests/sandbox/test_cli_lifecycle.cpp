// `moat sandbox ...` through the real binary on runc and gVisor: create ->
// start -> exec -> stop -> restart -> exec -> rm, a host workspace whose
// files survive the restart, the exit code passed through, stdout and stderr
// kept apart, and nothing left afterwards.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

using namespace moat::sandbox_test;
using json = nlohmann::json;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json sandbox_doc(const std::string& name) {
  auto r = run_moat({"-o", "json", "sandbox", "inspect", name});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out).at("sandbox");
}

class CliLifecycle : public ::testing::TestWithParam<std::string> {};

TEST_P(CliLifecycle, CreateStartExecStopRestartExecRm) {
  ensure_base_image();
  const std::string rt = GetParam();
  const std::string name = unique_name("life-" + rt);
  Cleanup cleanup(name);
  TempDir ws("msb-ws");
  std::ofstream(ws.path() / "seed.txt") << "seed from the host\n";

  std::vector<std::string> args = {"sandbox",     "create", name, "--runtime",     rt, "--image", kBaseImage,
                                   "--workspace", ws.str(), "-e", "GREETING=hello"};
  for (const auto& a : run_label()) args.push_back(a);
  auto created = run_moat(args);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  json doc = sandbox_doc(name);
  EXPECT_EQ(doc["runtime"], rt);
  EXPECT_EQ(doc["running"], false);
  EXPECT_EQ(doc["labels"]["moat.managed"], "true");
  EXPECT_EQ(doc["labels"]["moat.run-id"], kRunId);

  auto started = run_moat({"sandbox", "start", name});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_EQ(sandbox_doc(name)["running"], true);

  auto seed = run_moat({"sandbox", "exec", name, "--", "cat", "/workspace/seed.txt"});
  EXPECT_EQ(seed.exit_code, 0) << seed.err;
  EXPECT_EQ(seed.out, "seed from the host\n");

  // Exit code passed through; stdout and stderr arrive apart.
  auto split = run_moat({"sandbox", "exec", name, "--", "sh", "-c",
                         "echo \"$GREETING\" > /workspace/note; echo to-out; echo to-err >&2; exit 7"});
  EXPECT_EQ(split.exit_code, 7);
  EXPECT_EQ(split.out, "to-out\n");
  EXPECT_EQ(split.err, "to-err\n");
  EXPECT_EQ(read_file(ws.path() / "note"), "hello\n") << "the workspace is the host directory";

  auto as_json = run_moat({"-o", "json", "sandbox", "exec", name, "-e", "X=1", "-w", "/workspace", "--", "sh", "-c",
                           "echo $X $(pwd); echo e >&2; exit 3"});
  EXPECT_EQ(as_json.exit_code, 3);
  const json ej = json::parse(as_json.out);
  EXPECT_EQ(ej["exit_code"], 3);
  EXPECT_EQ(ej["stdout"], "1 /workspace\n");
  EXPECT_EQ(ej["stderr"], "e\n");
  EXPECT_TRUE(ej["duration_ms"].is_number());
  EXPECT_TRUE(as_json.err.empty()) << as_json.err;

  auto stopped = run_moat({"sandbox", "stop", name});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(sandbox_doc(name)["running"], false);

  auto restarted = run_moat({"sandbox", "restart", name});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(sandbox_doc(name)["running"], true);

  auto after = run_moat({"sandbox", "exec", name, "--", "cat", "/workspace/note", "/workspace/seed.txt"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "hello\nseed from the host\n") << "workspace files survive the restart";

  auto listed = run_moat({"-o", "json", "sandbox", "ls"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  bool found = false;
  const json sandboxes = json::parse(listed.out).at("sandboxes");
  for (const auto& s : sandboxes)
    if (s.at("name") == name) found = s.at("runtime") == rt;
  EXPECT_TRUE(found) << listed.out;

  auto logs = run_moat({"sandbox", "logs", name});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("moat-ready"), std::string::npos) << logs.out;

  auto removed = run_moat({"sandbox", "rm", name});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(engine_objects_of(name).empty());
  EXPECT_TRUE(std::filesystem::exists(ws.path() / "note")) << "rm leaves the host workspace alone";

  auto gone = run_moat({"sandbox", "inspect", name});
  EXPECT_EQ(gone.exit_code, 66);
  EXPECT_EQ(lines(gone.err).size(), 1u) << gone.err;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, CliLifecycle, ::testing::Values("runc", "gvisor"));

TEST(CliLifecycleMore, CreateWithStartRunsAtOnceAndExecTimeoutIsTempFail) {
  ensure_base_image();
  const std::string name = unique_name("start");
  Cleanup cleanup(name);
  std::vector<std::string> args = {"-o",   "json",    "sandbox",  "create",  name,         "--runtime",
                                   "runc", "--image", kBaseImage, "--start", "--hostname", "box1"};
  for (const auto& a : run_label()) args.push_back(a);
  auto created = run_moat(args);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(json::parse(created.out)["sandbox"]["running"], true);

  auto host = run_moat({"sandbox", "exec", name, "--", "hostname"});
  EXPECT_EQ(host.out, "box1\n");
  auto slow = run_moat({"sandbox", "exec", name, "--timeout", "1", "--", "sleep", "5"});
  EXPECT_EQ(slow.exit_code, 75) << slow.err;
  EXPECT_EQ(lines(slow.err).size(), 1u) << slow.err;

  auto no_cmd = run_moat({"sandbox", "exec", name});
  EXPECT_EQ(no_cmd.exit_code, 64) << no_cmd.err;
  auto quiet = run_moat({"-q", "sandbox", "rm", name});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_TRUE(quiet.out.empty()) << quiet.out;
  EXPECT_TRUE(engine_objects_of(name).empty());
}

TEST(CliImages, PrepareBaseIsCachedAndUnknownIsAUsageError) {
  ensure_base_image();
  auto r = run_moat({"-o", "json", "image", "prepare", "base"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  ASSERT_EQ(doc["images"].size(), 1u);
  EXPECT_EQ(doc["images"][0]["reference"], kBaseImage);
  EXPECT_EQ(doc["images"][0]["source"], "engine") << "already current: nothing rebuilt";
  auto bad = run_moat({"image", "prepare", "nope"});
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_NE(bad.err.find("unknown image 'nope'"), std::string::npos) << bad.err;
}

// The main process after '--', as with docker run: it runs instead of the
// keep-alive, and its output is the sandbox's log.
TEST(CliCreate, TheCommandAfterTheDashesIsTheMainProcess) {
  ensure_base_image();
  const std::string name = unique_name("main-cmd");
  Cleanup cleanup(name);
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", "runc", "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  for (const char* a : {"--", "sh", "-c", "echo main says $0; sleep 600", "hello"}) args.emplace_back(a);
  auto created = run_moat(args);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(sandbox_doc(name)["running"], true);
  std::string log;
  for (int i = 0; i < 50 && log.find("main says hello") == std::string::npos; ++i) {
    log = run_moat({"sandbox", "logs", name}).out;
    if (log.find("main says hello") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(log.find("main says hello"), std::string::npos) << log;
  // The keep-alive prints moat-ready; a main process of the user's does not.
  EXPECT_EQ(log.find("moat-ready"), std::string::npos) << log;
  // PID 1 is the user's process (busybox sh execs its last command).
  auto ps = run_moat({"sandbox", "exec", name, "--", "cat", "/proc/1/cmdline"});
  std::replace(ps.out.begin(), ps.out.end(), '\0', ' ');
  EXPECT_EQ(ps.out, "sleep 600 ");
  EXPECT_EQ(run_moat({"sandbox", "rm", name}).exit_code, 0);
}

}  // namespace
