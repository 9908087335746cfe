// One HTTP request and its answer as moat's API sees them: no Beast types,
// so the router and the handlers can be tested and fuzzed without a socket.
#pragma once

#include <moat/error.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::serve {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/sandboxes/web?start=true"
  std::string body;
};

// A body made while it is sent, for an answer whose end is not known when
// it starts (logs that follow). The server calls it after the head, with a
// `write` that sends one piece (a chunk) and returns false once the client
// is gone, too slow, or the server is stopping; an empty piece sends nothing
// and only asks. The connection closes after it.
using BodyWrite = std::function<bool(std::string_view)>;
using BodyStream = std::function<void(const BodyWrite& write)>;

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type and Content-Length
  BodyStream stream;  // set: the body is what this writes (Transfer-Encoding: chunked), not `body`
};

// A JSON document as the response body. Invalid UTF-8 in strings (a
// command's raw output) is replaced, never thrown on.
HttpResponse json_response(int status, const nlohmann::json& body);

// {"error": {"code": "<moat status name>", "message": "..."}}: the status
// names of moat::status_name and the CLI's one-line messages.
HttpResponse error_response(int status, std::string_view code, const std::string& message);

// The HTTP status a moat status maps to: invalid 400, not-found 404,
// conflict 409, unsupported 501, unavailable 503, timeout 504, else 500.
int http_status_for(moat_status status);
HttpResponse error_response(const moat::Error& error);

// A request the API refuses before any handler runs (bad target, bad JSON,
// a missing field): thrown by the parsers, answered as error_response.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

}  // namespace moat::serve
