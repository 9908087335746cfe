#include "scripted_docker.hpp"

#include <utility>

namespace moat::plugins_test {

using json = nlohmann::json;
using moat::engine::testing::FakeEngine;
using moat::engine::testing::FakeReply;
using moat::engine::testing::FakeRequest;

namespace {

FakeReply reply(int status, const std::string& body, const std::string& type = "application/json") {
  return FakeReply{{FakeEngine::response(status, body, {"Content-Type: " + type})}};
}

// A non-TTY container's log stream: one frame per stream (type, 0, 0, 0,
// big-endian length, data).
std::string stdout_frame(const std::string& data) {
  std::string frame = {1, 0, 0, 0};
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((data.size() >> shift) & 0xff));
  return frame + data;
}

bool has(const std::string& target, const std::string& part) { return target.find(part) != std::string::npos; }

}  // namespace

ScriptedDocker::ScriptedDocker(EngineScript script)
    : script_(std::move(script)), engine_([this](const FakeRequest& r) { return handle(r); }) {}

json ScriptedDocker::engine_config() const { return {{"engine", {{"socket", engine_.socket_path()}}}}; }

std::vector<json> ScriptedDocker::creates() {
  std::lock_guard lock(mutex_);
  return creates_;
}

int ScriptedDocker::live_containers() {
  std::lock_guard lock(mutex_);
  return live_;
}

FakeReply ScriptedDocker::handle(const FakeRequest& r) {
  const std::string& t = r.target;
  if (has(t, "/_ping")) return reply(200, "OK", "text/plain");
  if (has(t, "/version")) return reply(200, json{{"Version", script_.server_version}, {"ApiVersion", "1.41"}}.dump());
  if (has(t, "/info")) {
    json runtimes = script_.runtimes;
    runtimes["runc"] = {{"path", "runc"}};
    runtimes["io.containerd.runc.v2"] = {{"path", "runc"}};
    return reply(200, json{{"ServerVersion", script_.server_version},
                           {"KernelVersion", script_.kernel},
                           {"DockerRootDir", script_.docker_root_dir},
                           {"CgroupVersion", "2"},
                           {"Runtimes", runtimes},
                           {"DefaultRuntime", "runc"}}
                          .dump());
  }
  if (r.method == "GET" && has(t, "/images/")) return reply(200, json{{"Id", "sha256:scripted"}}.dump());
  if (r.method == "POST" && has(t, "/containers/create")) {
    std::lock_guard lock(mutex_);
    creates_.push_back(json::parse(r.body, nullptr, false));
    ++live_;
    return reply(201, json{{"Id", "scripted" + std::to_string(creates_.size())}, {"Warnings", json::array()}}.dump());
  }
  if (r.method == "GET" && has(t, "/containers/") && has(t, "/json"))
    return reply(200, json{{"Id", "scripted"}, {"Config", {{"Tty", false}}}, {"State", {{"Running", false}}}}.dump());
  if (r.method == "POST" && has(t, "/start")) return reply(204, "");
  if (r.method == "POST" && has(t, "/wait")) return reply(200, json{{"StatusCode", script_.smoke_exit}}.dump());
  if (r.method == "GET" && has(t, "/logs")) {
    json create;
    {
      std::lock_guard lock(mutex_);
      create = creates_.empty() ? json() : creates_.back();
    }
    return reply(200, stdout_frame(script_.smoke_stdout(create)), "application/vnd.docker.raw-stream");
  }
  if (r.method == "DELETE" && has(t, "/containers/")) {
    std::lock_guard lock(mutex_);
    --live_;
    return reply(204, "");
  }
  return reply(404, json{{"message", "the scripted engine has no answer for " + r.method + " " + t}}.dump());
}

}  // namespace moat::plugins_test
