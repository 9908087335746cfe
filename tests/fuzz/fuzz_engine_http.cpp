// Whole engine answers, HTTP framing included, through the real DockerClient:
// a scripted unix-socket server plays the engine (scripted_engine.hpp).
//
// Input: [op][reply 1]\x1e[reply 2]\x1e... `op` picks the client call (low 4
// bits) and whether the API version is negotiated through /_ping first (bit
// 7); each reply answers one request in order. A reply starting with "HTTP/" is sent
// as is; anything else is sent as the JSON body of a 200 answer.
//
// Invariant (docker_client.hpp): every failure is a moat::engine::EngineError
// with a non-empty message and an error status; no other exception, no
// crash, no hang (the client's deadline bounds every call). The message may
// span lines: it can be the engine's own text, passed on as the engine said it.
#include "fuzz_check.hpp"
#include "scripted_engine.hpp"

#include <moat/engine/docker_client.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

using moat::engine::DockerClient;
using moat::engine::EngineError;
using moat::fuzz::expect;
using moat::fuzz::finding;

std::string framed(std::string_view reply) {
  if (reply.starts_with("HTTP/")) return std::string(reply);
  return "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(reply.size()) + "\r\n\r\n" + std::string(reply);
}

std::vector<std::string> replies_of(std::string_view text) {
  std::vector<std::string> out;
  for (;;) {
    const auto cut = text.find('\x1e');
    out.push_back(framed(text.substr(0, cut)));
    if (cut == std::string_view::npos) return out;
    text.remove_prefix(cut + 1);
  }
}

void call(DockerClient& client, unsigned op) {
  const moat::engine::LabelFilter labels{{"moat.managed", "true"}};
  switch (op % 16) {
    case 0:
      (void)client.version();
      break;
    case 1:
      (void)client.list_containers(labels);
      break;
    case 2:
      (void)client.create_container("fuzz", nlohmann::json{{"Image", "busybox"}});
      break;
    case 3:
      (void)client.wait_container("fuzz");
      break;
    case 4:
      (void)client.find_container("fuzz");
      break;
    case 5:
      (void)client.logs("fuzz");
      break;
    case 6:
      (void)client.exec("fuzz", {"true"});
      break;
    case 7:
      (void)client.list_volumes(labels);
      break;
    case 8:
      (void)client.create_network("fuzz", {{"moat.managed", "true"}});
      break;
    case 9:
      (void)client.inspect_image("busybox:latest");
      break;
    case 10:
      (void)client.commit_container("fuzz", "moat/fuzz:snap");
      break;
    case 11:
      (void)client.list_networks(labels);
      break;
    case 12:
      (void)client.info();
      break;
    case 13:
      client.start_container("fuzz");
      client.stop_container("fuzz", 0);
      break;
    case 14:
      client.remove_container("fuzz");
      break;
    default:
      (void)client.inspect_container("fuzz");
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static moat::fuzz::ScriptedEngine engine;
  if (size == 0) return 0;
  const unsigned op = data[0];
  engine.script(replies_of(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)));

  moat::engine::ClientOptions options;
  options.socket_path = engine.socket_path();
  options.timeout = std::chrono::milliseconds(5000);
  if ((op & 0x80) == 0) options.api_version = "1.41";
  DockerClient client(options);
  try {
    call(client, op);
  } catch (const EngineError& e) {
    const std::string_view message = e.what();
    expect(!message.empty(), "EngineError without a message");
    expect(e.status() != MOAT_OK && e.status() != MOAT_E_INTERNAL, "EngineError with status ok or internal");
  } catch (const std::exception& e) {
    finding(std::string("the client let a non-EngineError escape: ") + e.what());
  }
  return 0;
}
