// Engine errors from the lifecycle calls as clear moat errors. The engine's
// HTTP status decides first (404 not found, 409 conflict, 400 bad parameter,
// 500 a runtime failure), and where a status alone is ambiguous the engine
// is asked a structured question (is the image there? is the runtime in
// /info?) rather than its message searched for words.
#include <moat/engine/docker_runtime.hpp>

#include "runtime_internal.hpp"

#include <moat/support/json_read.hpp>

#include <filesystem>

namespace moat::engine {

std::string DockerRuntime::explain_failure(const std::string&, const std::string&) { return {}; }

using detail::ask;

moat::Error DockerRuntime::translate(const EngineError& e, Step step, const std::string& what, const std::string& name,
                                     const std::string& rt, const std::string& image) {
  const std::string msg = e.what();
  const int http = e.http_status();
  // 404 names the image at create, a network or the container at start: the
  // image's absence is what the engine confirms here.
  if (http == 404 && !image.empty() && ask([&] { return !client_.inspect_image(image).has_value(); }) == true)
    return moat::Error(MOAT_E_NOT_FOUND, "image '" + image +
                                             "' is not in the Docker engine: prepare it first ('moat image prepare "
                                             "base|bench|dind') or import/pull it");
  // 400: a bad parameter, of which an unregistered runtime is the one a user
  // meets (Docker 20.10 refuses it at create); /info says whether it is that.
  if (http == 400 && ask([&] { return !runtime_registered(client_.info(), rt); }) == true)
    return moat::Error(MOAT_E_UNAVAILABLE,
                       "engine runtime '" + rt + "' is not registered with the Docker engine (" + msg +
                           "); install it and add it to the daemon's \"runtimes\", or pick another runtime");
  // A start the runtime failed (400/500): a registered runtime whose binary
  // is not on this host is unavailable, said without the shim's wording.
  if ((step == Step::start || step == Step::restart) && http >= 400 && http != 404) {
    std::string registered_path;
    const auto missing = ask([&] {
      const nlohmann::json info = client_.info();
      if (!runtime_registered(info, rt)) return false;
      const nlohmann::json& entry = info["Runtimes"][rt];
      registered_path = entry.is_object() ? support::string_at(entry, "path") : std::string();
      const auto exe = runtime_executable(info, rt);
      return !registered_path.empty() && (!exe || !std::filesystem::exists(*exe));
    });
    if (missing == true)
      return moat::Error(MOAT_E_UNAVAILABLE, what + " sandbox '" + name + "': engine runtime '" + rt +
                                                 "' is registered with the Docker engine as '" + registered_path +
                                                 "', which does not exist on this host; install it, or fix the "
                                                 "daemon's \"runtimes\", or pick another runtime");
  }
  // 409 at create: only the name can conflict.
  if (http == 409 && step == Step::create_container)
    return moat::Error(MOAT_E_CONFLICT, "sandbox name '" + name + "' is already in use; remove it ('moat sandbox rm " +
                                            name + "') or choose another name");
  std::string text = what + " sandbox '" + name + "' (engine runtime " + rt + "): " + msg;
  // 500: the runtime failed; the plugin may know why.
  if (http >= 500)
    if (std::string hint = explain_failure(msg, rt); !hint.empty()) text += "; " + hint;
  return moat::Error(e.status(), text);
}

}  // namespace moat::engine
