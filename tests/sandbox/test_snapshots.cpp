// moat sandbox snapshot / restore and moat snapshot ls|rm on the real engine
// (issue #13, ABI 1.1 sandbox_snapshot, sandbox_restore, snapshot_list,
// snapshot_remove): a file written in the root filesystem, in /workspace
// and in the home comes back in a restored sandbox as it was when the
// snapshot was taken; an inner Docker image comes back on runc+dind; the
// snapshot stays as it was; what is refused is refused in one line and
// leaves nothing; and the snapshot is what gc finds.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace moat::sandbox_test;
using moat::core::SandboxService;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Removes a snapshot (its image and volumes) on scope exit, whatever moat did.
class SnapshotCleanup {
 public:
  explicit SnapshotCleanup(std::string name) : name_(std::move(name)) {}
  ~SnapshotCleanup() {
    try {
      if (client().inspect_image("moat-snapshots:" + name_)) client().remove_image("moat-snapshots:" + name_, true);
      for (const auto& v : client().list_volumes({{"moat.snapshot", name_}}))
        client().remove_volume(v.at("Name").get<std::string>(), true);
    } catch (const std::exception& e) {
      std::cerr << "cleanup of snapshot " << name_ << ": " << e.what() << "\n";
    }
  }
  SnapshotCleanup(const SnapshotCleanup&) = delete;
  SnapshotCleanup& operator=(const SnapshotCleanup&) = delete;

 private:
  std::string name_;
};

moat::test::ProcessResult sh(const std::string& sandbox, const std::string& script) {
  return run_moat({"sandbox", "exec", sandbox, "--", "/bin/sh", "-c", script});
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

moat::test::ProcessResult moat_with(std::vector<std::string> args, const std::vector<std::string>& extra) {
  for (const auto& a : extra) args.push_back(a);
  return run_moat(args);
}

class Snapshots : public ::testing::TestWithParam<std::string> {};

std::string runtime_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace

TEST_P(Snapshots, RestoreBringsBackRootfsWorkspaceAndHomeAsTheyWereWhenTaken) {
  ensure_base_image();
  const std::string runtime = GetParam();
  const std::string name = unique_name("snap-src-" + runtime);
  const std::string snap = unique_name("snap-" + runtime);
  const std::string copy = unique_name("snap-copy-" + runtime);
  const std::string into = unique_name("snap-into-" + runtime);
  Cleanup cleanup(name);
  cleanup.add(copy);
  cleanup.add(into);
  SnapshotCleanup snap_cleanup(snap);
  TempDir ws("msb-snap-ws");
  TempDir home("msb-snap-home");

  auto created = moat_with({"sandbox", "create", name, "--runtime", runtime, "--image", kBaseImage, "--workspace",
                            ws.str(), "--home", home.str(), "--start"},
                           run_label());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto wrote = sh(name, "echo before > /workspace/w.txt && echo home > /root/h.txt && echo rootfs > /etc/mark");
  ASSERT_EQ(wrote.exit_code, 0) << wrote.err;

  auto taken = run_moat({"-o", "json", "sandbox", "snapshot", name, snap});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  const json s = json::parse(taken.out)["snapshot"];
  EXPECT_EQ(s["name"], snap);
  EXPECT_EQ(s["sandbox"], name);
  EXPECT_EQ(s["runtime"], runtime);
  EXPECT_EQ(s["image"], "moat-snapshots:" + snap);
  ASSERT_EQ(s["volumes"].size(), 2U) << s.dump();
  EXPECT_EQ(s["volumes"][0]["target"], "/root");
  EXPECT_EQ(s["volumes"][0]["kind"], "home");
  EXPECT_EQ(s["volumes"][1]["target"], "/workspace");
  EXPECT_EQ(s["volumes"][1]["kind"], "workspace");
  EXPECT_EQ(client().inspect_container(name)["State"]["Status"], "running") << "unpaused after the snapshot";

  // After the snapshot: the source changes; the snapshot must not.
  ASSERT_EQ(sh(name, "echo after > /workspace/w.txt && echo changed > /etc/mark").exit_code, 0);

  auto listed = run_moat({"-o", "json", "snapshot", "ls"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  bool found = false;
  const json listing = json::parse(listed.out);
  for (const auto& each : listing["snapshots"]) found = found || each["name"] == snap;
  EXPECT_TRUE(found) << listed.out;

  // Restored without directories: the mounts come back as the new sandbox's volumes.
  auto restored = moat_with({"-o", "json", "sandbox", "restore", snap, copy, "--start"}, run_label());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(json::parse(restored.out)["sandbox"]["runtime"], runtime) << "the snapshot's runtime by default";
  auto seen = sh(copy, "cat /workspace/w.txt /root/h.txt /etc/mark");
  EXPECT_EQ(seen.exit_code, 0) << seen.err;
  EXPECT_EQ(seen.out, "before\nhome\nrootfs\n");
  EXPECT_EQ(client().list_volumes({{"moat.sandbox", copy}}).size(), 2U) << "workspace and home copies";
  // What the image carried over from the source is blanked, not inherited.
  const auto labels = client().inspect_container(copy)["Config"]["Labels"];
  EXPECT_EQ(labels.value("moat.snapshot", "?"), "");
  EXPECT_EQ(labels.value("moat.name", ""), copy);
  auto shown = run_moat({"-o", "json", "sandbox", "inspect", copy});
  EXPECT_FALSE(json::parse(shown.out)["sandbox"]["labels"].contains("moat.snapshot")) << shown.out;

  // Restored into an empty workspace directory: the copy lands there.
  TempDir ws2("msb-snap-ws2");
  auto into_dir = moat_with({"sandbox", "restore", snap, into, "--workspace", ws2.str()}, run_label());
  ASSERT_EQ(into_dir.exit_code, 0) << into_dir.err;
  EXPECT_EQ(read_file(ws2.path() / "w.txt"), "before\n");
  EXPECT_EQ(client().list_volumes({{"moat.sandbox", into}}).size(), 1U) << "only the home is a volume";

  // The snapshot's filesystem is in use: it stays until its sandboxes go.
  auto in_use = run_moat({"snapshot", "rm", snap});
  EXPECT_EQ(in_use.exit_code, 1);
  EXPECT_NE(in_use.err.find("is the filesystem of sandbox(es)"), std::string::npos) << in_use.err;

  for (const auto& n : {copy, into, name}) EXPECT_EQ(run_moat({"sandbox", "rm", n}).exit_code, 0);
  auto gone = run_moat({"snapshot", "rm", snap});
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_EQ(gone.out, "removed snapshot " + snap + "\n");
  EXPECT_FALSE(client().inspect_image("moat-snapshots:" + snap).has_value());
  EXPECT_TRUE(client().list_volumes({{"moat.snapshot", snap}}).empty());
  for (const auto& n : {copy, into, name}) EXPECT_TRUE(engine_objects_of(n).empty()) << n;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Snapshots, ::testing::Values("runc", "gvisor"), runtime_name);

// runc+dind: the inner Docker store is a volume moat made, so an image built
// inside comes back in the restored sandbox, whose inner dockerd is started.
TEST(SnapshotsDind, AnInnerImageComesBackOnRunc) {
  std::string why;
  if (!dind_image_present(why)) GTEST_SKIP() << why;
  const std::string name = unique_name("snap-dind");
  const std::string snap = unique_name("snapd");
  const std::string copy = unique_name("snap-dind-copy");
  Cleanup cleanup(name);
  cleanup.add(copy);
  SnapshotCleanup snap_cleanup(snap);
  moat::test::RunOptions slow;
  slow.kill_after = std::chrono::seconds(600);
  std::vector<std::string> args = {"sandbox", "create",   name,     "--runtime", "runc",
                                   "--image", kDindImage, "--dind", "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  ASSERT_EQ(run_moat(args, default_config(), slow).exit_code, 0);
  auto build = run_moat({"sandbox", "exec", name, "-w", "/tmp", "--", "sh", "-c",
                         // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one script, split over lines
                         "set -e; echo inner > x; printf 'FROM scratch\\nCOPY x /x\\n' > Dockerfile; "
                         "docker build -q -t msb-inner:snap ."},
                        default_config(), slow);
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err;

  auto taken = run_moat({"-o", "json", "sandbox", "snapshot", name, snap}, default_config(), slow);
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  const json s = json::parse(taken.out)["snapshot"];
  EXPECT_EQ(s["dind"], true);
  ASSERT_EQ(s["volumes"].size(), 1U) << s.dump();
  EXPECT_EQ(s["volumes"][0]["target"], "/var/lib/docker");

  std::vector<std::string> restore = {"sandbox", "restore", snap, copy, "--start"};
  for (const auto& a : run_label()) restore.push_back(a);
  auto restored = run_moat(restore, default_config(), slow);
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  auto inner =
      run_moat({"sandbox", "exec", copy, "--", "docker", "image", "inspect", "--format", "{{.Id}}", "msb-inner:snap"});
  EXPECT_EQ(inner.exit_code, 0) << inner.err;
  EXPECT_NE(inner.out.find("sha256:"), std::string::npos) << inner.out;
  EXPECT_EQ(client().list_volumes({{"moat.sandbox", copy}}).size(), 1U);
  EXPECT_EQ(client().list_volumes({{"moat.sandbox", copy}})[0]["Name"], copy + "-docker")
      << "named as the runc plugin names a DinD store";

  EXPECT_EQ(run_moat({"sandbox", "rm", copy}).exit_code, 0);
  EXPECT_EQ(run_moat({"sandbox", "rm", name}).exit_code, 0);
  EXPECT_EQ(run_moat({"snapshot", "rm", snap}).exit_code, 0);
  EXPECT_TRUE(engine_objects_of(copy).empty());
}

// Refusals: one line, the right code, and nothing made.
TEST(SnapshotsRefused, BadRequestsLeaveNothing) {
  ensure_base_image();
  const std::string name = unique_name("snap-ref");
  const std::string snap = unique_name("snapr");
  const std::string taken_name = unique_name("snap-taken");
  Cleanup cleanup(name);
  cleanup.add(taken_name);
  SnapshotCleanup snap_cleanup(snap);
  TempDir full("msb-snap-full");
  std::ofstream(full.path() / "keep.txt") << "mine\n";
  TempDir ws("msb-snap-refws");
  ASSERT_EQ(moat_with({"sandbox", "create", name, "--runtime", "runc", "--image", kBaseImage, "--workspace", ws.str(),
                       "--start"},
                      run_label())
                .exit_code,
            0);
  ASSERT_EQ(run_moat({"sandbox", "snapshot", name, snap}).exit_code, 0);
  ASSERT_EQ(
      moat_with({"sandbox", "create", taken_name, "--runtime", "runc", "--image", kBaseImage}, run_label()).exit_code,
      0);
  // What a refused request could have made, by name: other tests share the engine.
  const std::string refused_snap = unique_name("s");
  const std::string refused_x = unique_name("x");
  const std::string refused_full = unique_name("full");
  const std::string refused_img = unique_name("img");

  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"sandbox", "snapshot", unique_name("nobox"), refused_snap}, 66, "no sandbox named"},
      {{"sandbox", "snapshot", name, snap}, 1, "snapshot '" + snap + "' already exists"},
      {{"sandbox", "snapshot", name, "bad/snap"}, 65, "is not a valid snapshot name"},
      {{"sandbox", "restore", unique_name("nosnap"), refused_x}, 66, "no snapshot named"},
      {{"sandbox", "restore", snap, taken_name}, 1, "a sandbox named '" + taken_name + "' already exists"},
      {{"sandbox", "restore", snap, refused_full, "--workspace", full.str()}, 1, "is not an empty directory"},
      {{"sandbox", "restore", snap, refused_img, "--image", kBaseImage}, 64, "--image"},
      {{"snapshot", "rm", unique_name("nosnap")}, 66, "no snapshot named"},
  };
  for (const auto& c : cases) {
    auto r = run_moat(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[1] << ": " << r.err;
    EXPECT_EQ(lines(r.err).size(), 1U) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(read_file(full.path() / "keep.txt"), "mine\n") << "a restore never writes into a full directory";
  for (const auto& n : {refused_x, refused_full, refused_img})
    EXPECT_TRUE(engine_objects_of(n).empty()) << n << ": nothing of a refused restore";
  EXPECT_TRUE(client().list_volumes({{"moat.snapshot", refused_snap}}).empty());
  EXPECT_TRUE(client().list_volumes({{"moat.snapshot", snap}}).size() == 1U) << "the snapshot's own copy, unchanged";

  // Through the API, an image with a restore is refused too (65).
  SandboxService service(registry(), service_config());
  auto spec = base_spec(unique_name("api-img"), "runc");
  const moat::Error refused = expect_error([&] { service.restore(snap, spec, false); });
  EXPECT_EQ(refused.status(), MOAT_E_INVALID);
  EXPECT_NE(std::string(refused.what()).find("give no image"), std::string::npos) << refused.what();

  // The host runtime has no snapshots: it says so (69), and makes nothing.
  const std::string host_box = unique_name("snap-host");
  Cleanup host_cleanup(host_box);
  ASSERT_EQ(
      moat_with({"sandbox", "create", host_box, "--runtime", "host", "--image", kBaseImage}, run_label()).exit_code, 0);
  const std::string host_snap = unique_name("snaph");
  auto host = run_moat({"sandbox", "snapshot", host_box, host_snap});
  EXPECT_EQ(host.exit_code, 69) << host.err;
  EXPECT_NE(host.err.find("runtime 'host' does not support sandbox_snapshot"), std::string::npos) << host.err;
  EXPECT_FALSE(client().inspect_image("moat-snapshots:" + host_snap).has_value());
  EXPECT_EQ(run_moat({"sandbox", "rm", host_box}).exit_code, 0);

  // gc sees the snapshot as one object (its volumes go with it), and only
  // --all would take it: managed_list/managed_remove through the plugin.
  auto& runc = service.runtime("runc");
  std::optional<moat::ManagedObject> object;
  for (const auto& o : runc.managed_list()) {
    if (o.kind == "snapshot" && o.name == snap) object = o;
    EXPECT_FALSE(o.kind == "volume" && o.labels.contains("moat.snapshot")) << o.name;
  }
  ASSERT_TRUE(object.has_value());
  runc.managed_remove(*object);
  EXPECT_FALSE(client().inspect_image("moat-snapshots:" + snap).has_value());
  EXPECT_TRUE(client().list_volumes({{"moat.snapshot", snap}}).empty());

  // A snapshot whose image someone removed by hand leaves its volumes to gc
  // as plain volumes, not kept for a snapshot that is gone.
  const std::string orphan = unique_name("snapo");
  SnapshotCleanup orphan_cleanup(orphan);
  ASSERT_EQ(run_moat({"sandbox", "snapshot", name, orphan}).exit_code, 0);
  client().remove_image("moat-snapshots:" + orphan, true);
  bool listed = false;
  for (const auto& o : runc.managed_list())
    listed =
        listed || (o.kind == "volume" && o.labels.contains("moat.snapshot") && o.labels.at("moat.snapshot") == orphan);
  EXPECT_TRUE(listed) << "the orphaned workspace copy is gc's to find";
  // A new snapshot of that name is not merged into what the old one left.
  auto again = run_moat({"sandbox", "snapshot", name, orphan});
  EXPECT_EQ(again.exit_code, 1) << again.err;
  EXPECT_NE(again.err.find("is left from an earlier snapshot '" + orphan + "'"), std::string::npos) << again.err;
  EXPECT_FALSE(client().inspect_image("moat-snapshots:" + orphan).has_value()) << "refused before the commit";
}
