// moat serve without an engine: the router (targets, 404/405/400, JSON
// errors), the probe cache's expiry, the OpenAPI document against the
// routes, and the transport against hostile clients - malformed requests,
// oversized bodies, slow clients, clients that drop mid-request, too many
// connections - and its shutdown: a request in flight finishes, the socket
// goes. The services behind the routes are a factory that answers
// "unavailable" after a pause, so requests reach a handler and take time.
#include <moat/core/plugin_registry.hpp>
#include <moat/core/probe_cache.hpp>
#include <moat/serve/api.hpp>
#include <moat/serve/router.hpp>
#include <moat/serve/server.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace moat::serve {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(ServeRouter, DecodesTargets) {
  const Target t = parse_target("/sandboxes/a%20b/logs/?tail=5&x=1&x=2&q=a+b");
  EXPECT_EQ(t.segments, (std::vector<std::string>{"sandboxes", "a b", "logs"}));
  EXPECT_EQ(t.param("tail"), "5");
  EXPECT_EQ(t.params("x"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(t.param("q"), "a b");
  EXPECT_EQ(t.number("tail", 0), 5);
  for (const char* bad : {"sandboxes", "/a/%zz", "/a/%4", "/a//b", "/a/../b", "/a/%00"}) {
    try {
      (void)parse_target(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 400) << bad;
    }
  }
  EXPECT_THROW((void)parse_target("/a?start=maybe").flag("start", true), HttpError);
  EXPECT_THROW((void)parse_target("/a?timeout=-1").number("timeout", 0), HttpError);
  EXPECT_THROW((void)parse_target("/a?timeout=nan").number("timeout", 0), HttpError);
}

TEST(ServeRouter, AnswersUnknownPathsMethodsAndHandlerErrorsAsJson) {
  Router router;
  router.add("GET", "/things/{name}", [](const RouteContext& ctx) {
    if (ctx.param("name") == "boom") throw std::runtime_error("kaboom");
    if (ctx.param("name") == "gone") throw moat::Error(MOAT_E_NOT_FOUND, "no thing named 'gone'");
    return json_response(200, {{"name", ctx.param("name")}});
  });
  router.add("DELETE", "/things/{name}", [](const RouteContext&) { return json_response(200, {}); });
  EXPECT_EQ(json::parse(router.dispatch({"GET", "/things/x%2Fy", ""}).body)["name"], "x/y");

  const HttpResponse missing = router.dispatch({"GET", "/nothing", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "not-found");

  const HttpResponse wrong = router.dispatch({"PUT", "/things/x", ""});
  EXPECT_EQ(wrong.status, 405);
  ASSERT_EQ(wrong.headers.size(), 1U);
  EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, DELETE"}));

  const HttpResponse gone = router.dispatch({"GET", "/things/gone", ""});
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(json::parse(gone.body)["error"], (json{{"code", "not-found"}, {"message", "no thing named 'gone'"}}));

  const HttpResponse boom = router.dispatch({"GET", "/things/boom", ""});
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(json::parse(boom.body)["error"]["code"], "internal");
}

TEST(ServeProbeCache, ReusesAVerdictUntilItExpires) {
  auto now = core::ProbeCache::Clock::time_point{};
  core::ProbeCache cache(30s, [&now] { return now; });
  int probes = 0;
  auto probe = [&probes] {
    ProbeResult r;
    r.available = (++probes % 2) == 1;
    return r;
  };
  EXPECT_TRUE(cache.get("runc", probe).available);
  now += 29s;
  EXPECT_TRUE(cache.get("runc", probe).available);
  EXPECT_EQ(probes, 1);
  EXPECT_FALSE(cache.get("gvisor", probe).available);  // its own entry
  EXPECT_EQ(probes, 2);
  now += 2s;  // runc's verdict is 31 s old
  EXPECT_TRUE(cache.get("runc", probe).available);
  EXPECT_EQ(probes, 3);
  cache.clear();
  EXPECT_FALSE(cache.get("runc", probe).available);
  EXPECT_EQ(probes, 4);
  core::ProbeCache never(0ms);
  (void)never.get("runc", probe);
  (void)never.get("runc", probe);
  EXPECT_EQ(probes, 6);
}

// An Api over no plugins whose services answer "unavailable" after `pause`.
struct Fixture {
  explicit Fixture(std::chrono::milliseconds pause = 0ms)
      : pool(
            [pause]() -> std::unique_ptr<core::SandboxService> {
              std::this_thread::sleep_for(pause);
              throw moat::Error(MOAT_E_UNAVAILABLE, "no engine in this test");
            },
            std::make_shared<core::ProbeCache>(0ms)) {}
  core::PluginRegistry registry{core::RegistryOptions{}};
  ServicePool pool;
  Api api{pool, registry, "test", "runc"};
};

std::set<std::string> document_routes(const json& doc) {
  std::set<std::string> out;
  for (const auto& [path, ops] : doc.at("paths").items())
    for (const auto& [method, op] : ops.items())
      if (method != "parameters") {
        std::string m = method;
        for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.insert(m + " " + path);
      }
  return out;
}

TEST(ServeOpenApi, DocumentsEveryRouteAndNoOther) {
  Fixture f;
  std::ifstream file(MOAT_OPENAPI_FILE);
  ASSERT_TRUE(file) << MOAT_OPENAPI_FILE;
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), openapi_document()) << "the built-in document is not docs/openapi.json: rebuild";
  const json doc = json::parse(text.str());
  EXPECT_EQ(doc.at("openapi").get<std::string>().substr(0, 2), "3.");
  const auto routes = f.api.routes();
  EXPECT_EQ(document_routes(doc), std::set<std::string>(routes.begin(), routes.end()));
}

// ---- the transport ----

std::string temp_socket() {
  static std::atomic<int> n{0};
  return "/tmp/moat-serve-unit-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/api.sock";
}

int connect_to(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

// Everything the server sends until it closes (or 10 s pass).
std::string read_all(int fd) {
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

int status_of(const std::string& response) { return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0; }

class ServeTransport : public ::testing::Test {
 protected:
  void start(std::chrono::milliseconds pause = 0ms) {
    fixture = std::make_unique<Fixture>(pause);
    options.socket = temp_socket();
    options.group = "";
    server = std::make_unique<Server>(fixture->api, options, stop);
    runner = std::thread([this] { server->run(); });
  }
  void TearDown() override {
    stop = true;
    if (runner.joinable()) runner.join();
    server.reset();
    std::filesystem::remove_all(std::filesystem::path(options.socket).parent_path());
  }
  std::string request(const std::string& text) {
    const int fd = connect_to(options.socket);
    EXPECT_GE(fd, 0);
    send_text(fd, text);
    std::string r = read_all(fd);
    ::close(fd);
    return r;
  }

  ServerOptions options;
  std::atomic<bool> stop{false};
  std::unique_ptr<Fixture> fixture;
  std::unique_ptr<Server> server;
  std::thread runner;
};

TEST_F(ServeTransport, SocketIsMode0660AndAStaleOneIsReplaced) {
  start();
  struct stat st {};
  ASSERT_EQ(::stat(options.socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660U);
  EXPECT_EQ(st.st_gid, ::getegid());
  // A second server on the same socket is refused while the first answers.
  std::atomic<bool> other_stop{false};
  try {
    Server second(fixture->api, options, other_stop);
    ADD_FAILURE() << "a second server took a socket that answers";
  } catch (const moat::Error& e) {
    EXPECT_EQ(e.status(), MOAT_E_CONFLICT);
  }
  ServerOptions bad_group = options;
  bad_group.socket = temp_socket();
  bad_group.group = "moat-no-such-group";
  EXPECT_THROW(Server(fixture->api, bad_group, other_stop), moat::Error);
}

TEST_F(ServeTransport, AnswersBadRequestsWithTheRightStatus) {
  options.max_body_bytes = 1024;
  options.request_timeout = 500ms;
  start();
  EXPECT_EQ(status_of(request("GET /_ping HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n")), 200);
  EXPECT_EQ(status_of(request("GET /nope HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n")), 404);
  EXPECT_EQ(status_of(request("BLAH\r\n\r\n")), 400);
  EXPECT_EQ(status_of(request("GET /_ping HTTP/9\r\n\r\n")), 400);
  const std::string big(4096, 'x');
  const std::string oversized = request("POST /sandboxes HTTP/1.1\r\nHost: m\r\nContent-Length: 4096\r\n\r\n" + big);
  EXPECT_EQ(status_of(oversized), 413) << oversized;
  EXPECT_NE(oversized.find("\"code\":\"invalid\""), std::string::npos);
  // A body that is not JSON reaches the handler and is refused there.
  EXPECT_EQ(
      status_of(request("POST /sandboxes HTTP/1.1\r\nHost: m\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{x]")),
      400);
  // Behind the routes, the service's error: 503 unavailable, as JSON.
  const std::string unavailable = request("GET /sandboxes HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(unavailable), 503);
  EXPECT_NE(unavailable.find("no engine in this test"), std::string::npos);
}

TEST_F(ServeTransport, SlowAndVanishingClientsCostNoMoreThanTheTimeout) {
  options.request_timeout = 300ms;
  start();
  // Half a request head, then nothing: 408 after the request timeout.
  const int slow = connect_to(options.socket);
  send_text(slow, "GET /_ping HTTP/1.1\r\nHo");
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(status_of(read_all(slow)), 408);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  ::close(slow);
  // Clients that drop mid-head and mid-body.
  for (const char* partial : {"GET /_pi", "POST /sandboxes HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"na"}) {
    const int fd = connect_to(options.socket);
    send_text(fd, partial);
    ::close(fd);
  }
  // A client that sends a request and goes before reading the answer.
  const int gone = connect_to(options.socket);
  send_text(gone, "GET /version HTTP/1.1\r\nHost: m\r\n\r\n");
  ::close(gone);
  // The server still answers, and every connection ends.
  EXPECT_EQ(status_of(request("GET /_ping HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n")), 200);
  for (int i = 0; i < 50 && server->open_connections() > 0; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server->open_connections(), 0U);
}

TEST_F(ServeTransport, RefusesConnectionsBeyondTheLimit) {
  options.max_connections = 2;
  start();
  const int a = connect_to(options.socket);
  const int b = connect_to(options.socket);
  for (int i = 0; i < 50 && server->open_connections() < 2; ++i) std::this_thread::sleep_for(20ms);
  const std::string third = request("GET /_ping HTTP/1.1\r\nHost: m\r\n\r\n");
  EXPECT_EQ(status_of(third), 503) << third;
  ::close(a);
  ::close(b);
}

TEST_F(ServeTransport, StopLetsTheRequestInFlightFinishAndRemovesTheSocket) {
  start(1500ms);  // every service call takes 1.5 s
  const int busy = connect_to(options.socket);
  send_text(busy, "GET /sandboxes HTTP/1.1\r\nHost: m\r\n\r\n");
  const int idle = connect_to(options.socket);
  std::this_thread::sleep_for(300ms);
  stop = true;
  const std::string answer = read_all(busy);
  EXPECT_EQ(status_of(answer), 503) << answer;  // the service's answer, not a cut connection
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_EQ(read_all(idle), "");  // the idle keep-alive connection is closed
  runner.join();
  EXPECT_FALSE(std::filesystem::exists(options.socket));
  EXPECT_EQ(server->open_connections(), 0U);
  ::close(busy);
  ::close(idle);
}

}  // namespace
}  // namespace moat::serve
