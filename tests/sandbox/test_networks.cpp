// moat network create|ls|connect|disconnect|rm on the real engine (issue
// #13, ABI 1.1 network_create, network_remove, network_list): sandboxes on a
// moat network reach each other by name, a network with sandboxes on it is
// not removed, networks moat did not make are left alone, and a runtime
// without networks says so.
#include "sandbox_test_support.hpp"

#include <gtest/gtest.h>

#include <iostream>

using namespace moat::sandbox_test;
using moat::core::SandboxService;
using nlohmann::json;

namespace {

// Removes a network by name on scope exit, whatever moat did.
class NetworkCleanup {
 public:
  explicit NetworkCleanup(std::string name) : name_(std::move(name)) {}
  ~NetworkCleanup() {
    try {
      if (auto n = client().inspect_network(name_)) client().remove_network(n->at("Id").get<std::string>());
    } catch (const std::exception& e) {
      std::cerr << "cleanup of network " << name_ << ": " << e.what() << "\n";
    }
  }
  NetworkCleanup(const NetworkCleanup&) = delete;
  NetworkCleanup& operator=(const NetworkCleanup&) = delete;

 private:
  std::string name_;
};

// True when `from` resolves and reaches `to` by name.
bool reaches(SandboxService& service, const std::string& from, const std::string& to) {
  moat::ExecRequest r;
  r.name = from;
  r.argv = {"ping", "-c", "1", "-W", "2", to};
  r.timeout_s = 30;
  const moat::ExecResult result = service.exec(r);
  std::cout << from << " -> " << to << ": exit " << result.exit_code << " " << result.stdout_data << result.stderr_data;
  return result.exit_code == 0;
}

void create_started(const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"sandbox", "create", name, "--runtime", "runc", "--image", kBaseImage, "--start"};
  for (const auto& a : run_label()) args.push_back(a);
  for (auto& a : extra) args.push_back(std::move(a));
  auto r = run_moat(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace

TEST(Networks, SandboxesOnAMoatNetworkReachEachOtherByNameUntilDisconnected) {
  ensure_base_image();
  const std::string net = unique_name("net");
  const std::string a = unique_name("net-a");
  const std::string b = unique_name("net-b");
  NetworkCleanup net_cleanup(net);
  Cleanup cleanup(a);
  cleanup.add(b);

  auto made = run_moat({"-o", "json", "network", "create", net, "--runtime", "runc", "--label", "team=blue"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const json n = json::parse(made.out)["network"];
  EXPECT_EQ(n["name"], net);
  EXPECT_EQ(n["driver"], "bridge");
  EXPECT_EQ(n["internal"], false);
  EXPECT_EQ(n["labels"]["team"], "blue");
  EXPECT_EQ(n["labels"]["moat.managed"], "true") << "what gc finds";
  EXPECT_EQ(client().inspect_network(net)->at("Labels").at("moat.network"), net);

  create_started(a, {"--network", net});
  create_started(b);
  SandboxService service(registry(), service_config());
  EXPECT_FALSE(reaches(service, b, a)) << "b is not on the network yet";

  auto joined = run_moat({"network", "connect", net, b});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  EXPECT_EQ(joined.out, "connected " + b + " to " + net + "\n");
  EXPECT_TRUE(reaches(service, b, a));

  auto listed = run_moat({"-o", "json", "network", "ls"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json mine;
  const json listing = json::parse(listed.out);
  for (const auto& each : listing["networks"])
    if (each["name"] == net) mine = each;
  ASSERT_FALSE(mine.is_null()) << listed.out;
  EXPECT_EQ(mine["sandboxes"], json::array({a, b}));
  const std::string table = run_moat({"network", "ls"}).out;
  EXPECT_NE(table.find(net), std::string::npos) << table;

  // Busy: refused, and the line names who is on it.
  auto busy = run_moat({"network", "rm", net});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_EQ(lines(busy.err).size(), 1U) << busy.err;
  EXPECT_NE(busy.err.find("still has sandbox(es) " + a + ", " + b), std::string::npos) << busy.err;
  EXPECT_TRUE(client().inspect_network(net).has_value());

  auto left = run_moat({"network", "disconnect", net, b});
  ASSERT_EQ(left.exit_code, 0) << left.err;
  EXPECT_FALSE(reaches(service, b, a));

  EXPECT_EQ(run_moat({"sandbox", "rm", a}).exit_code, 0);
  EXPECT_EQ(run_moat({"sandbox", "rm", b}).exit_code, 0);
  auto removed = run_moat({"network", "rm", net});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "removed network " + net + "\n");
  EXPECT_FALSE(client().inspect_network(net).has_value());
  EXPECT_EQ(run_moat({"-q", "network", "ls"}).out.find(net), std::string::npos);
}

TEST(Networks, AnInternalNetworkHasNoRouteOut) {
  const std::string net = unique_name("inet");
  NetworkCleanup net_cleanup(net);
  SandboxService service(registry(), service_config());
  const moat::NetworkInfo info = service.create_network({.name = net, .internal = true, .labels = {}}, "runc");
  EXPECT_TRUE(info.internal);
  EXPECT_EQ(client().inspect_network(net)->at("Internal"), true);
  service.remove_network(net);
  EXPECT_FALSE(client().inspect_network(net).has_value());
}

// Each refusal is one line with its exit code, and makes nothing.
TEST(Networks, BadRequestsAreRefusedWithOneLineAndLeaveNothing) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string says;
  };
  const std::string net = unique_name("dup");
  const std::string refused_label = unique_name("lbl");
  const std::string refused_host = unique_name("host");
  NetworkCleanup net_cleanup(net);
  ASSERT_EQ(run_moat({"network", "create", net, "--runtime", "runc"}).exit_code, 0);
  const std::vector<Case> cases = {
      {{"network", "create", "bad/name", "--runtime", "runc"}, 65, "is not a valid network name"},
      {{"network", "create", refused_label, "--runtime", "runc", "--label", "moat.x=1"},
       65,
       "'moat.x' is a moat.* label"},
      {{"network", "create", net, "--runtime", "runc"}, 1, "a network named '" + net + "' already exists"},
      {{"network", "create", refused_host, "--runtime", "host"}, 69, "runtime 'host' does not support network_create"},
      {{"network", "rm", "bridge"}, 66, "no network named 'bridge' was made by moat"},
      {{"network", "rm", unique_name("none")}, 66, "was made by moat ('moat network ls' lists them)"},
      {{"network", "connect", unique_name("none"), unique_name("nobox")}, 66, "no sandbox named"},
      {{"network", "create", "--runtime", "runc"}, 64, "NAME"},
  };
  for (const auto& c : cases) {
    auto r = run_moat(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[1] << " " << c.args[2] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(client().inspect_network(refused_label).has_value());
  EXPECT_FALSE(client().inspect_network(refused_host).has_value());
  EXPECT_EQ(run_moat({"network", "rm", net}).exit_code, 0);
}
