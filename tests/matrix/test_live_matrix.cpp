// One live matrix run against the real engine on runc (as shipped and in its
// DinD mode), gVisor, host, and the uninstalled Sysbox and Kata, shared by
// every assertion below. Each verdict is asserted against what this kind of
// host really does (Debian 12, docker.io 20.10, runsc 2022-12 on a kernel
// >= 6.11, cgroup v1, no Sysbox or Kata installed).
#include "matrix_test_support.hpp"

#include <moat/bench/report/matrix_view.hpp>
#include <moat/core/config.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/matrix/render.hpp>
#include <moat/matrix/requirements.hpp>
#include <moat/matrix/runner.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

using namespace moat::matrix;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string all_step_text(const Cell& c) {
  std::string s;
  for (const auto& st : c.steps) s += st.what + "\n" + st.out + "\n" + st.err + "\n" + st.error + "\n";
  return s;
}

}  // namespace

class LiveMatrix : public ::testing::Test {
 protected:
  // The test command (scripts/test.sh) always prepares the engine and the
  // images: a matrix that cannot run is a failure of every assertion, never
  // a skip that ctest would count as passed.
  static void SetUpTestSuite() {
    try {
      run_the_matrix();
    } catch (const std::exception& e) {
      setup_error_ = std::string("the live matrix could not run: ") + e.what();
    }
  }

  static void run_the_matrix() {
    moat::engine::ClientOptions eo = moat::engine::ClientOptions::from_environment();
    eo.timeout = std::chrono::seconds(120);
    moat::engine::DockerClient engine(eo);
    for (const char* image : {"moat/base:busybox", "moat/dind:bookworm"})
      if (!engine.inspect_image(image))
        throw std::runtime_error(std::string("image ") + image + " missing: run 'moat image prepare'");

    state_dir_ = fs::temp_directory_path() / ("moat-matrix-host-" + std::to_string(::getpid()));
    fs::create_directories(state_dir_);
    moat::core::Config config;
    config.plugins["host"] = {{"state_dir", state_dir_.string()}};

    MatrixOptions o;
    o.runtimes = {"runc", "runc+dind", "gvisor", "host", "sysbox", "kata"};
    o.boot_samples = 3;
    o.seed_file = MOAT_SEED_FILE;
    o.engine = eo;
    o.progress = [](const std::string& line) { std::cerr << "matrix: " << line.substr(0, 200) << "\n"; };
    const auto t0 = std::chrono::steady_clock::now();
    report_ = new MatrixReport(run_matrix(moat::matrix_test::registry(), config, o));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << to_markdown(*report_).substr(0, 6000) << "\n(matrix run: " << s << " s)\n";

    // What is left afterwards, by the run's label (and in the host runtime's state).
    const moat::engine::LabelFilter filter = {{moat::kRunIdLabel, report_->run_id}};
    for (const auto& c : engine.list_containers(filter, true)) leftovers_.push_back("container " + c.value("Id", ""));
    for (const auto& v : engine.list_volumes(filter)) leftovers_.push_back("volume " + v.value("Name", ""));
    for (const auto& n : engine.list_networks(filter)) leftovers_.push_back("network " + n.value("Name", ""));
    for (const auto& e : fs::directory_iterator(state_dir_)) leftovers_.push_back("host sandbox " + e.path().string());
    if (fs::exists("/var/tmp/moat-matrix-" + report_->run_id)) leftovers_.push_back("scratch dir");
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    if (!state_dir_.empty()) fs::remove_all(state_dir_, ec);
    delete report_;
    report_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ASSERT_NE(report_, nullptr);
  }

  static const Cell& at(const std::string& row, const std::string& col) {
    const Cell* c = report_->cell(row, col);
    if (c == nullptr) throw std::runtime_error("no cell " + row + " x " + col);
    return *c;
  }

  static inline MatrixReport* report_ = nullptr;
  static inline std::string setup_error_;
  static inline fs::path state_dir_;
  static inline std::vector<std::string> leftovers_;
};

TEST_F(LiveMatrix, NothingIsLeftBehind) {
  EXPECT_TRUE(leftovers_.empty()) << leftovers_.front();
  for (const char* k : {"containers", "volumes", "networks", "sandboxes", "errors"})
    EXPECT_TRUE(report_->cleanup[k].empty()) << k << ": " << report_->cleanup[k].dump();
}

TEST_F(LiveMatrix, ColumnsAndAvailability) {
  std::vector<std::string> ids;
  for (const auto& c : report_->columns) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"sysbox", "gvisor", "kata", "runc", "runc+dind", "host"}));
  for (const char* id : {"runc", "runc+dind", "gvisor", "host"}) EXPECT_TRUE(report_->column(id)->available) << id;
  for (const char* id : {"sysbox", "kata"}) {
    const Column* c = report_->column(id);
    EXPECT_FALSE(c->available) << id;
    EXPECT_FALSE(c->reason.empty()) << id;
  }
}

TEST_F(LiveMatrix, UnavailableRuntimesCarryTheirReasonInEveryMeasuredCell) {
  for (const char* id : {"sysbox", "kata"}) {
    const Column* col = report_->column(id);
    for (const auto& row : report_->rows) {
      if (row.requirement.declared) continue;
      const Cell& c = at(row.requirement.id, id);
      if (row.requirement.id == "host-requirements") {
        EXPECT_NE(c.verdict, Verdict::yes) << id;
        EXPECT_FALSE(c.summary.empty());
        continue;
      }
      EXPECT_EQ(c.verdict, Verdict::unavailable) << id << " " << row.requirement.id;
      EXPECT_EQ(c.summary, col->reason) << id << " " << row.requirement.id;
    }
  }
}

TEST_F(LiveMatrix, EveryMeasuredCellOfAnAvailableRuntimeHasEvidence) {
  for (const char* id : {"runc", "runc+dind", "gvisor", "host"})
    for (const auto& row : report_->rows) {
      if (row.requirement.declared) continue;
      const Cell& c = at(row.requirement.id, id);
      EXPECT_NE(c.verdict, Verdict::unavailable) << id << " " << row.requirement.id << ": " << c.summary;
      EXPECT_FALSE(c.summary.empty()) << id << " " << row.requirement.id;
      EXPECT_FALSE(c.steps.empty()) << id << " " << row.requirement.id;
    }
}

TEST_F(LiveMatrix, RuncWithoutDindModeCannotRunDockerInside) {
  const Cell& c = at("docker-in-docker", "runc");
  EXPECT_EQ(c.verdict, Verdict::no) << c.summary;
  EXPECT_TRUE(contains(c.summary, "without a DinD mode the inner dockerd does not start")) << c.summary;
  EXPECT_EQ(c.facts["dind_mode"], false);
  EXPECT_EQ(at("persistent-dind", "runc").verdict, Verdict::no);
}

TEST_F(LiveMatrix, RuncDindModeBuildsAndRunsInsideAndTheImagePersists) {
  const Cell& c = at("docker-in-docker", "runc+dind");
  EXPECT_EQ(c.verdict, Verdict::yes) << c.summary << "\n" << all_step_text(c);
  EXPECT_TRUE(contains(c.facts.value("inner_run_output", ""), "tini version")) << c.facts.dump();
  const Cell& p = at("persistent-dind", "runc+dind");
  EXPECT_EQ(p.verdict, Verdict::yes) << p.summary << "\n" << all_step_text(p);
  EXPECT_EQ(p.facts["inner_image_before"], p.facts["inner_image_after"]);
}

TEST_F(LiveMatrix, GvisorHereCannotStartAnInnerDockerd) {
  const Cell& c = at("docker-in-docker", "gvisor");
  EXPECT_EQ(c.verdict, Verdict::no) << c.summary;
  EXPECT_TRUE(contains(c.summary, "Devices cgroup isn't mounted")) << c.summary;
  EXPECT_EQ(c.facts["dind_mode"], true);
  EXPECT_EQ(at("persistent-dind", "gvisor").verdict, Verdict::no);
}

TEST_F(LiveMatrix, PersistentWorkspace) {
  for (const char* id : {"runc", "runc+dind", "gvisor", "host"}) {
    const Cell& c = at("persistent-workspace", id);
    EXPECT_EQ(c.verdict, Verdict::yes) << id << ": " << c.summary << "\n" << all_step_text(c);
    EXPECT_EQ(c.facts["survives_recreate"], true) << id;
  }
}

TEST_F(LiveMatrix, BindMounts) {
  for (const char* id : {"runc", "runc+dind", "gvisor"}) {
    const Cell& c = at("bind-mounts", id);
    EXPECT_EQ(c.verdict, Verdict::yes) << id << ": " << c.summary << "\n" << all_step_text(c);
    EXPECT_EQ(c.facts.value("host_file_owner", ""), "1000:1000") << id;
    EXPECT_TRUE(contains(c.facts.value("ro_write", ""), "refused")) << id;
  }
  // Root inside a container without a user namespace writes as root on the host.
  EXPECT_EQ(at("bind-mounts", "runc").facts.value("host_owner_of_sandbox_file", ""), "0:0");
  const Cell& host = at("bind-mounts", "host");
  EXPECT_EQ(host.verdict, Verdict::no) << host.summary;
  // The host runtime does not declare mounts: refused before its plugin sees the request.
  EXPECT_TRUE(contains(host.summary, "mounts: runtime 'host' does not honour this field")) << host.summary;
}

TEST_F(LiveMatrix, DynamicNetworking) {
  for (const char* id : {"runc", "runc+dind"}) {
    const Cell& c = at("dynamic-networking", id);
    EXPECT_EQ(c.verdict, Verdict::yes) << id << ": " << c.summary << "\n" << all_step_text(c);
    EXPECT_EQ(c.facts["reached_peer"], true) << id;
    EXPECT_EQ(c.facts["restarted"], false) << id;
  }
  // gVisor here runs on the --network=none variant: the network is attached
  // by the engine but never seen inside.
  const Cell& g = at("dynamic-networking", "gvisor");
  EXPECT_NE(g.verdict, Verdict::yes) << g.summary;
  EXPECT_TRUE(contains(g.summary, "runsc-nonet")) << g.summary;
  EXPECT_EQ(g.facts["reached_peer"], false);
  const Cell& h = at("dynamic-networking", "host");
  EXPECT_EQ(h.verdict, Verdict::no) << h.summary;
}

TEST_F(LiveMatrix, Unprivileged) {
  EXPECT_EQ(at("unprivileged", "runc").verdict, Verdict::yes) << at("unprivileged", "runc").summary;
  EXPECT_EQ(at("unprivileged", "gvisor").verdict, Verdict::yes) << at("unprivileged", "gvisor").summary;
  EXPECT_EQ(at("unprivileged", "runc").facts["host_config"]["Privileged"], false);
  const Cell& d = at("unprivileged", "runc+dind");
  EXPECT_EQ(d.verdict, Verdict::partial) << d.summary;
  const auto extra = d.facts["cap_beyond_docker_default"];
  EXPECT_NE(std::find(extra.begin(), extra.end(), "CAP_SYS_ADMIN"), extra.end()) << extra.dump();
  EXPECT_EQ(d.facts["user_namespace"], false);
  const Cell& h = at("unprivileged", "host");
  if (::geteuid() == 0)
    EXPECT_EQ(h.verdict, Verdict::partial) << h.summary;
  else
    EXPECT_EQ(h.verdict, Verdict::yes) << h.summary;
}

TEST_F(LiveMatrix, IsolationEvidence) {
  const Cell& h = at("isolation", "host");
  EXPECT_EQ(h.verdict, Verdict::no) << h.summary;
  EXPECT_EQ(h.facts["host_pid_visible"]["this_process"], true);
  EXPECT_EQ(h.facts["own_kernel"], false);
  const Cell& r = at("isolation", "runc");
  EXPECT_EQ(r.verdict, Verdict::partial) << r.summary;
  EXPECT_EQ(r.facts["host_pid_visible"]["this_process"], false);
  EXPECT_EQ(r.facts["host_pid_visible"]["engine_dockerd"], false);
  EXPECT_LT(r.facts["dev_entries"].get<long>(), r.facts["host_dev_entries"].get<long>());
  const Cell& g = at("isolation", "gvisor");
  EXPECT_EQ(g.verdict, Verdict::yes) << g.summary;
  EXPECT_EQ(g.facts["own_kernel"], true);
  EXPECT_NE(g.facts["kernel_inside"], g.facts["kernel_host"]);
}

TEST_F(LiveMatrix, BootTimeIsMeasuredForEveryAvailableRuntime) {
  for (const char* id : {"runc", "runc+dind", "gvisor", "host"}) {
    const Cell& c = at("boot-time", id);
    ASSERT_TRUE(c.value_ms) << id << ": " << c.summary;
    EXPECT_GT(*c.value_ms, 0) << id;
    EXPECT_EQ(c.facts["samples_ms"].size(), 3U) << id;
  }
}

TEST_F(LiveMatrix, HostRequirements) {
  EXPECT_EQ(at("host-requirements", "runc").verdict, Verdict::yes) << at("host-requirements", "runc").summary;
  EXPECT_EQ(at("host-requirements", "host").verdict, Verdict::yes);
  const Cell& g = at("host-requirements", "gvisor");
  EXPECT_EQ(g.verdict, Verdict::partial) << g.summary;
  EXPECT_TRUE(contains(g.summary, "runsc-nonet")) << g.summary;
  EXPECT_TRUE(report_->host.contains("kvm"));
  EXPECT_TRUE(report_->host.contains("idmapped_mounts"));
  EXPECT_FALSE(report_->host.value("kernel", "").empty());
}

TEST_F(LiveMatrix, DeclaredRowsComeFromTheSeed) {
  const Cell& s = at("simple-api", "gvisor");
  EXPECT_TRUE(s.declared);
  EXPECT_EQ(s.verdict, Verdict::yes);
  EXPECT_EQ(report_->cell("simple-api", "runc"), nullptr);
  EXPECT_EQ(at("low-ops-complexity", "sysbox").verdict, Verdict::partial);
}

TEST_F(LiveMatrix, DisagreementsWithTheSeedAreNoted) {
  auto find = [&](const std::string& row, const std::string& col) -> const Disagreement* {
    for (const auto& d : report_->disagreements)
      if (d.row == row && d.column == col) return &d;
    return nullptr;
  };
  const Disagreement* net = find("dynamic-networking", "gvisor");
  ASSERT_NE(net, nullptr);
  EXPECT_TRUE(contains(net->note, "seed says ✅, measured")) << net->note;
  const Disagreement* ws = find("persistent-workspace", "gvisor");
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->note, "seed says ❌, measured ✅");
  EXPECT_EQ(at("persistent-workspace", "gvisor").note, ws->note);
  EXPECT_EQ(find("docker-in-docker", "sysbox"), nullptr) << "an unavailable cell cannot disagree";
}

TEST_F(LiveMatrix, RecommendationForTheSeedsProfile) {
  const Recommendation& r = report_->recommendation;
  EXPECT_EQ(r.required, default_profile());
  // On this host nothing meets the whole profile: runc cannot run Docker
  // inside, its DinD mode is not unprivileged, gVisor cannot run dockerd.
  EXPECT_TRUE(r.ranked.empty()) << r.text;
  auto out = [&](const std::string& col) -> const RuledOut* {
    for (const auto& x : r.ruled_out)
      if (x.column == col) return &x;
    return nullptr;
  };
  ASSERT_NE(out("runc"), nullptr);
  EXPECT_EQ(out("runc")->failures.front().requirement, "docker-in-docker");
  ASSERT_NE(out("runc+dind"), nullptr);
  ASSERT_EQ(out("runc+dind")->failures.size(), 1U) << r.text;
  EXPECT_EQ(out("runc+dind")->failures[0].requirement, "unprivileged");
  EXPECT_TRUE(contains(r.text, "Closest: runc+dind (fails unprivileged)")) << r.text;
}

TEST_F(LiveMatrix, JsonDocumentParsesAsTheReportsMatrix) {
  const json doc = to_json(*report_);
  const auto view = moat::bench::parse_matrix(doc);
  EXPECT_EQ(view.runtimes.size(), report_->columns.size());
  EXPECT_EQ(view.rows.size(), report_->rows.size());
  // Round trip through text: what -o json prints.
  EXPECT_NO_THROW(json::parse(doc.dump(-1, ' ', false, json::error_handler_t::replace)));
}
