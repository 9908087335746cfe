// Which handler a request goes to. Routes are a method and a pattern of
// path segments, where "{name}" matches one non-empty segment; the target is
// split and percent-decoded once, before matching. An unknown path is 404, a
// known path with another method 405 (with Allow), a target that cannot be
// decoded 400. No engine, no socket: this is what the fuzz target drives.
#pragma once

#include <moat/serve/http_message.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::serve {

// A request's target, decoded: "/a/b%20c?x=1&x=2" -> {"a", "b c"}, {x: [1, 2]}.
struct Target {
  std::vector<std::string> segments;
  std::multimap<std::string, std::string> query;

  // The last value of query parameter `key`, if given.
  [[nodiscard]] std::optional<std::string> param(const std::string& key) const;
  // Every value of `key`, in order.
  [[nodiscard]] std::vector<std::string> params(const std::string& key) const;
  // "true"/"1"/"" (a bare ?key) -> true, "false"/"0" -> false, absent ->
  // `fallback`; anything else is a 400.
  [[nodiscard]] bool flag(const std::string& key, bool fallback) const;
  // A non-negative number, absent -> `fallback`; anything else is a 400.
  [[nodiscard]] double number(const std::string& key, double fallback) const;
  // A whole number in [0, max], absent -> `fallback`; anything else is a 400.
  [[nodiscard]] std::uint64_t count(const std::string& key, std::uint64_t fallback, std::uint64_t max) const;
};

// Throws HttpError(400) for a target that is not origin-form ("/..."), has
// a bad %-escape, an empty or "." / ".." segment, or a NUL.
Target parse_target(std::string_view target);

// What a handler sees: the request, its decoded target, the pattern's
// {names} bound to segments.
struct RouteContext {
  const HttpRequest& request;
  const Target& target;
  std::map<std::string, std::string, std::less<>> params;

  [[nodiscard]] const std::string& param(std::string_view name) const;
};

class Router {
 public:
  using Handler = std::function<HttpResponse(const RouteContext&)>;

  // `query`: the query parameters the route takes; any other is a 400, so a
  // misspelt parameter is never ignored.
  void add(std::string method, std::string pattern, Handler handler, std::vector<std::string> query = {});

  // The handler's answer, or 400/404/405. A handler's moat::Error becomes
  // its JSON error, any other exception a 500 "internal".
  [[nodiscard]] HttpResponse dispatch(const HttpRequest& request) const;

  // Every route as "METHOD pattern", in the order added (the OpenAPI test
  // compares these with the document).
  [[nodiscard]] std::vector<std::string> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> parts;
    Handler handler;
    std::vector<std::string> query;
  };
  std::vector<Route> routes_;
};

}  // namespace moat::serve
