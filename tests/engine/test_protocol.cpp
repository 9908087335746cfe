// The client's HTTP handling against a scripted server (FakeEngine): what a
// healthy local engine cannot be made to send on demand.
#include <moat/engine/docker_client.hpp>

#include <gtest/gtest.h>

#include "engine_test_support.hpp"
#include "fake_engine.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>

namespace {

using moat::engine::ClientOptions;
using moat::engine::DockerClient;
using moat::engine::EngineError;
using moat::engine::testing::FakeEngine;
using moat::engine::testing::FakeReply;
using moat::engine::testing::FakeRequest;
using moat::engine::testing::TempDir;

std::string ping_reply(const std::string& version) {
  return "HTTP/1.1 200 OK\r\nApi-Version: " + version + "\r\nContent-Length: 2\r\n\r\nOK";
}

FakeReply reply(int status, const std::string& body, const std::vector<std::string>& headers = {}) {
  return {{FakeEngine::response(status, body, headers)}, false, false};
}

DockerClient client_for(const FakeEngine& engine, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  ClientOptions options;
  options.socket_path = engine.socket_path();
  options.timeout = timeout;
  return DockerClient(options);
}

std::string frame(char type, const std::string& payload) {
  std::string header(8, '\0');
  header[0] = type;
  header[7] = static_cast<char>(payload.size());  // payloads here are < 256 bytes
  return header + payload;
}

TEST(Protocol, EngineBelowTheFloorIsRefused) {
  FakeEngine engine([](const FakeRequest&) { return FakeReply{{ping_reply("1.40")}, false, false}; });
  auto client = client_for(engine);
  try {
    (void)client.api_version();
    FAIL() << "1.40 accepted";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
    EXPECT_STREQ(e.what(), "Docker Engine API 1.40 is older than 1.41, which moat needs");
  }
}

TEST(Protocol, NewerEngineGetsOurCeilingOnEveryPath) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.52")}, false, false};
    return reply(200, R"({"Runtimes":{"runc":{"path":"runc"}}})");
  });
  auto client = client_for(engine);
  EXPECT_EQ(client.api_version(), "1.44");
  EXPECT_TRUE(client.info().contains("Runtimes"));
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/v1.44/info");
}

TEST(Protocol, MissingApiVersionHeaderIsUnavailable) {
  // FakeEngine::response always adds "Api-Version: 1.41"; send a bare one.
  FakeEngine bare([](const FakeRequest&) {
    return FakeReply{{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"}, false, false};
  });
  auto client = client_for(bare);
  try {
    (void)client.api_version();
    FAIL() << "no version accepted";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
    EXPECT_NE(std::string(e.what()).find("1.41"), std::string::npos) << e.what();
  }
}

TEST(Protocol, ChunkedBodySplitAcrossReads) {
  FakeEngine engine([](const FakeRequest&) {
    return FakeReply{
        {"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n",
         FakeEngine::chunk("{\"Runtimes\":{\"ru"), FakeEngine::chunk("nsc\":{}},\"X\":1}"), FakeEngine::chunk("")},
        false,
        false};
  });
  ClientOptions options;
  options.socket_path = engine.socket_path();
  options.api_version = "1.41";
  DockerClient client(options);
  const auto info = client.info();
  EXPECT_TRUE(info["Runtimes"].contains("runsc")) << info.dump();
  EXPECT_EQ(info["X"], 1);
}

TEST(Protocol, ImportStreamsTheFileAndRaisesInBandErrors) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    const std::string progress = "{\"status\":\"Importing\",\"progressDetail\":{\"current\":5}}\r\n";
    const std::string error =
        "{\"errorDetail\":{\"message\":\"write /var/lib/docker/tmp: no space left on device\"},"
        "\"error\":\"write /var/lib/docker/tmp: no space left on device\"}\r\n";
    return FakeReply{{"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n",
                      FakeEngine::chunk(progress), FakeEngine::chunk(error), FakeEngine::chunk("")},
                     false,
                     false};
  });
  TempDir dir("moat-test-fake-import");
  const auto tar = dir.path() / "rootfs.tar";
  const std::string content(100000, 't');
  std::ofstream(tar, std::ios::binary) << content;
  auto client = client_for(engine);
  try {
    client.import_image(tar.string(), "moat/x:tag", {"CMD [\"/bin/sh\"]", "LABEL a=b"});
    FAIL() << "in-band error ignored";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_FAILED);
    EXPECT_NE(std::string(e.what()).find("no space left on device"), std::string::npos) << e.what();
  }
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].target,
            "/v1.41/images/create?fromSrc=-&repo=moat%2Fx&tag=tag&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D"
            "&changes=LABEL%20a%3Db");
  EXPECT_EQ(requests[1].body, content);
  EXPECT_NE(requests[1].head.find("application/x-tar"), std::string::npos);
}

TEST(Protocol, IdleConnectionDroppedByTheEngineIsRetriedOnce) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    // Answers as keep-alive, then drops the connection anyway.
    return FakeReply{{FakeEngine::response(200, "{}")}, true, false};
  });
  auto client = client_for(engine);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(client.info().is_object());
  EXPECT_EQ(engine.requests().size(), 4u);  // ping + 3, none sent twice to a live server
  EXPECT_GE(engine.connections(), 3);
}

TEST(Protocol, AnswerThatNeverComesIsATimeoutAndTheClientRecovers) {
  std::atomic<int> calls{0};
  FakeEngine engine([&calls](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    if (calls++ == 0) return FakeReply{{}, false, true};  // hang
    return reply(200, "{\"ok\":true}");
  });
  auto client = client_for(engine, std::chrono::milliseconds(300));
  try {
    (void)client.info();
    FAIL() << "no timeout";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_TIMEOUT);
    EXPECT_EQ(e.http_status(), 0);
    EXPECT_NE(std::string(e.what()).find("GET /v1.41/info"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("300 ms"), std::string::npos) << e.what();
  }
  EXPECT_EQ(client.info().value("ok", false), true);
}

TEST(Protocol, StatusCodesMapToMoatStatuses) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    if (r.target.find("/c500/") != std::string::npos) {
      return reply(500, R"({"message":"OCI runtime create failed: runsc: boom"})");
    }
    if (r.target.find("/c403/") != std::string::npos) return reply(403, R"({"message":"forbidden"})");
    if (r.target.find("/c409/") != std::string::npos) return reply(409, R"({"message":"in use"})");
    return reply(502, "plain text gateway error\n");
  });
  auto client = client_for(engine);
  const auto expect = [&client](const std::string& id, moat_status status, int http, const std::string& text) {
    try {
      client.start_container(id);
      ADD_FAILURE() << id << ": no error";
    } catch (const EngineError& e) {
      EXPECT_EQ(e.status(), status) << id;
      EXPECT_EQ(e.http_status(), http) << id;
      EXPECT_EQ(std::string(e.what()), text) << id;
    }
  };
  expect("c500", MOAT_E_FAILED, 500, "OCI runtime create failed: runsc: boom");
  expect("c403", MOAT_E_INVALID, 403, "forbidden");
  expect("c409", MOAT_E_CONFLICT, 409, "in use");
  expect("c502", MOAT_E_FAILED, 502, "plain text gateway error");
}

// exec over both hijack forms; frames split across writes; the exit code is
// polled until the engine stops reporting Running.
class ExecWire : public ::testing::TestWithParam<bool> {};

TEST_P(ExecWire, FramesSplitAcrossReadsAndExitCodeAfterRunning) {
  const bool upgrade = GetParam();
  std::atomic<int> inspections{0};
  FakeEngine engine([&](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    if (r.target == "/v1.41/containers/c1/exec") return reply(201, R"({"Id":"e1"})");
    if (r.target == "/v1.41/exec/e1/start") {
      const std::string head =
          upgrade ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                  : "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n";
      const std::string stream = frame(1, "hello ") + frame(2, "warn\n") + frame(1, "world\n");
      // The first piece carries the header and half a frame header.
      return FakeReply{{head + stream.substr(0, 4), stream.substr(4, 10), stream.substr(14)}, true, false};
    }
    if (r.target == "/v1.41/exec/e1/json") {
      if (inspections++ < 2) return reply(200, R"({"Running":true,"ExitCode":0})");
      return reply(200, R"({"Running":false,"ExitCode":42})");
    }
    return reply(404, R"({"message":"unexpected"})");
  });
  auto client = client_for(engine);
  const auto result = client.exec("c1", {"sh", "-c", "x"});
  EXPECT_EQ(result.stdout_data, "hello world\n");
  EXPECT_EQ(result.stderr_data, "warn\n");
  EXPECT_EQ(result.exit_code, 42);
  EXPECT_EQ(inspections.load(), 3);
  const auto requests = engine.requests();
  ASSERT_GE(requests.size(), 3u);
  EXPECT_NE(requests[1].body.find(R"("Cmd":["sh","-c","x"])"), std::string::npos) << requests[1].body;
  EXPECT_NE(requests[2].head.find("Upgrade: tcp"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Hijack, ExecWire, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Upgrade101" : "Plain200"; });

TEST(Protocol, SystemErrorFrameFailsTheExec) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    if (r.target == "/v1.41/containers/c1/exec") return reply(201, R"({"Id":"e1"})");
    if (r.target == "/v1.41/exec/e1/start") {
      return FakeReply{{"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + frame(1, "partial") +
                        frame(3, "container is being removed")},
                       true,
                       false};
    }
    return reply(200, R"({"Running":false,"ExitCode":0})");
  });
  auto client = client_for(engine);
  try {
    (void)client.exec("c1", {"true"});
    FAIL() << "systemerr ignored";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_FAILED);
    EXPECT_NE(std::string(e.what()).find("container is being removed"), std::string::npos) << e.what();
  }
}

TEST(Protocol, StreamCutInsideAFrameFailsTheExec) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    if (r.target == "/v1.41/containers/c1/exec") return reply(201, R"({"Id":"e1"})");
    if (r.target == "/v1.41/exec/e1/start") {
      return FakeReply{{"HTTP/1.1 101 UPGRADED\r\n\r\n" + frame(1, "truncated").substr(0, 12)}, true, false};
    }
    return reply(200, R"({"Running":false,"ExitCode":0})");
  });
  auto client = client_for(engine);
  EXPECT_THROW((void)client.exec("c1", {"true"}), EngineError);
}

TEST(Protocol, ExecStartErrorAnswerCarriesTheMessage) {
  FakeEngine engine([](const FakeRequest& r) {
    if (r.target == "/_ping") return FakeReply{{ping_reply("1.41")}, false, false};
    if (r.target == "/v1.41/containers/c1/exec") return reply(201, R"({"Id":"e1"})");
    return reply(409, R"({"message":"Container c1 is not running"})");
  });
  auto client = client_for(engine);
  try {
    (void)client.exec("c1", {"true"});
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
    EXPECT_STREQ(e.what(), "Container c1 is not running");
  }
}

}  // namespace
