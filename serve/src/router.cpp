#include <moat/serve/router.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <utility>

namespace moat::serve {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpError bad_target(const std::string& why) { return {400, "invalid", "bad request target: " + why}; }

// %XX decoded; '+' is a space only in a query.
std::string decode(std::string_view text, bool query) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
      if (lo < 0) throw bad_target("a '%' is not followed by two hex digits");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && query) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (out.find('\0') != std::string::npos) throw bad_target("it contains a NUL");
  return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

}  // namespace

Target parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') throw bad_target("it must start with '/'");
  Target t;
  const std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (const std::size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // "/sandboxes/" is "/sandboxes"
  if (!path.empty())
    for (std::string_view raw : split(path, '/')) {
      std::string seg = decode(raw, false);
      if (seg.empty() || seg == "." || seg == "..") throw bad_target("empty, '.' or '..' path segment");
      t.segments.push_back(std::move(seg));
    }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    if (const std::size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
    if (!query.empty())
      for (std::string_view pair : split(query, '&')) {
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        t.query.emplace(decode(pair.substr(0, eq), true),
                        eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1), true));
      }
  }
  return t;
}

std::optional<std::string> Target::param(const std::string& key) const {
  auto [begin, end] = query.equal_range(key);
  if (begin == end) return std::nullopt;
  return std::prev(end)->second;
}

std::vector<std::string> Target::params(const std::string& key) const {
  std::vector<std::string> out;
  auto [begin, end] = query.equal_range(key);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

bool Target::flag(const std::string& key, bool fallback) const {
  const auto v = param(key);
  if (!v) return fallback;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "0") return false;
  throw HttpError(400, "invalid", "query parameter '" + key + "' must be true or false, not '" + *v + "'");
}

double Target::number(const std::string& key, double fallback) const {
  const auto v = param(key);
  if (!v) return fallback;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), value);
  if (ec != std::errc() || ptr != v->data() + v->size() || !std::isfinite(value) || value < 0)
    throw HttpError(400, "invalid", "query parameter '" + key + "' must be a number >= 0, not '" + *v + "'");
  return value;
}

std::uint64_t Target::count(const std::string& key, std::uint64_t fallback, std::uint64_t max) const {
  const auto v = param(key);
  if (!v) return fallback;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), value);
  if (ec != std::errc() || ptr != v->data() + v->size() || v->empty() || value > max)
    throw HttpError(
        400, "invalid",
        "query parameter '" + key + "' must be a whole number from 0 to " + std::to_string(max) + ", not '" + *v + "'");
  return value;
}

const std::string& RouteContext::param(std::string_view name) const {
  auto it = params.find(name);
  if (it == params.end()) throw std::logic_error("route has no parameter " + std::string(name));
  return it->second;
}

void Router::add(std::string method, std::string pattern, Handler handler, std::vector<std::string> query) {
  Route r{std::move(method), std::move(pattern), {}, std::move(handler), std::move(query)};
  for (std::string_view part : split(std::string_view(r.pattern).substr(1), '/')) r.parts.emplace_back(part);
  routes_.push_back(std::move(r));
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  try {
    const Target target = parse_target(request.target);
    std::string allowed;
    for (const auto& route : routes_) {
      if (route.parts.size() != target.segments.size()) continue;
      RouteContext ctx{request, target, {}};
      bool match = true;
      for (std::size_t i = 0; i < route.parts.size() && match; ++i) {
        const std::string& part = route.parts[i];
        if (part.size() > 2 && part.front() == '{' && part.back() == '}')
          ctx.params[part.substr(1, part.size() - 2)] = target.segments[i];
        else
          match = part == target.segments[i];
      }
      if (!match) continue;
      if (route.method != request.method) {
        if (allowed.find(route.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + route.method;
        continue;
      }
      for (const auto& [key, value] : target.query)
        if (std::find(route.query.begin(), route.query.end(), key) == route.query.end()) {
          std::string known;
          for (const auto& k : route.query) known += (known.empty() ? "" : ", ") + k;
          throw HttpError(400, "invalid",
                          "unknown query parameter '" + key + "' for " + route.method + " " + route.pattern +
                              "; known: " + (known.empty() ? "none" : known));
        }
      return route.handler(ctx);
    }
    if (!allowed.empty()) {
      HttpResponse r = error_response(405, "invalid", request.method + " is not allowed here; use " + allowed);
      r.headers.emplace_back("Allow", allowed);
      return r;
    }
    return error_response(404, "not-found",
                          "no such endpoint: " + request.method + " " +
                              request.target.substr(0, request.target.find('?')) + " (GET /openapi.json lists them)");
  } catch (const HttpError& e) {
    return error_response(e.status(), e.code(), e.what());
  } catch (const moat::Error& e) {
    return error_response(e);
  } catch (const std::exception& e) {
    return error_response(500, "internal", std::string("internal error: ") + e.what());
  }
}

}  // namespace moat::serve
