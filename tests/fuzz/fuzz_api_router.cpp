// moat serve's router and request parsers, as hostile clients reach them:
// the method, the target (path segments, %-escapes, query) and the JSON
// body of every route. The services behind the routes are unreachable here
// (the pool's factory throws "unavailable"), so every request ends in the
// router, a parser or that refusal.
//
// Input: "METHOD TARGET\nBODY".
//
// Invariants: dispatch never throws; every answer is JSON; an error answer
// is {"error": {"code", "message"}} with a 4xx/5xx status and a known code;
// no request is a 500 (an internal error is a bug: a parser let something
// through that a handler could not take); WebSocket exec targets either
// parse or are refused with 400/404.
#include "fuzz_check.hpp"

#include <moat/core/plugin_registry.hpp>
#include <moat/serve/api.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace {

struct Fixture {
  moat::core::PluginRegistry registry{moat::core::RegistryOptions{}};
  moat::serve::ServicePool pool{[]() -> std::unique_ptr<moat::core::SandboxService> {
                                  throw moat::Error(MOAT_E_UNAVAILABLE, "no engine in the fuzz target");
                                },
                                std::make_shared<moat::core::ProbeCache>(std::chrono::milliseconds(0))};
  moat::serve::Api api{pool, registry, "fuzz", "runc"};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;  // NOLINT(misc-const-correctness): built once per process
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t space = input.find(' ');
  const std::size_t newline = input.find('\n');
  if (space == std::string_view::npos || newline == std::string_view::npos || space > newline) return 0;
  moat::serve::HttpRequest request{std::string(input.substr(0, space)),
                                   std::string(input.substr(space + 1, newline - space - 1)),
                                   std::string(input.substr(newline + 1))};
  moat::serve::HttpResponse response;
  try {
    response = fixture.api.handle(request);
  } catch (const std::exception& e) {
    moat::fuzz::finding(std::string("dispatch threw: ") + e.what());
  }
  moat::fuzz::expect(response.status != 500, "a request ended in a 500: " + response.body);
  if (response.content_type == "application/json") {
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    moat::fuzz::expect(!body.is_discarded(), "the answer is not JSON: " + response.body);
    if (response.status >= 400) {
      static const std::set<std::string> kCodes = {"unsupported", "invalid", "unavailable", "not-found",
                                                   "conflict",    "failed",  "timeout",     "internal"};
      moat::fuzz::expect(body.is_object() && body.contains("error") && body["error"].is_object() &&
                             !body["error"].value("code", "").empty() && body["error"].contains("message") &&
                             kCodes.count(body["error"].value("code", "")) == 1,
                         "an error answer is not {\"error\": {\"code\", \"message\"}}: " + response.body);
    }
  }
  moat::fuzz::expect(response.status >= 200 && response.status < 600, "status out of range");
  try {
    (void)moat::serve::websocket_exec_request(request.target);
  } catch (const moat::serve::HttpError& e) {
    moat::fuzz::expect(e.status() == 400 || e.status() == 404, "websocket target refused with another status");
  } catch (const std::exception& e) {
    moat::fuzz::finding(std::string("websocket_exec_request threw something else: ") + e.what());
  }
  return 0;
}
