// JSON the Docker engine sends back, read by pure functions (no socket):
// the progress stream of image import/load (find_stream_error), container
// inspect and list entries (sandbox_info_from_inspect / _from_list), and the
// Runtimes section of /info that probes read.
//
// Input: any bytes; as a progress stream (one JSON message per line) and,
// when the whole input is JSON, as each of the other documents.
//
// Invariants: these readers are lenient by design (a field of the wrong type
// reads as absent), so none of them throws; a reported stream error is
// non-empty; what they return is consistent with the document.
#include "fuzz_check.hpp"

#include <moat/engine/docker_runtime.hpp>
#include <moat/engine/json_message_stream.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace {

using moat::fuzz::expect;
using moat::fuzz::finding;
using nlohmann::json;

// The /info helpers are protected statics of DockerRuntime (probes use them).
struct InfoReaders : moat::engine::DockerRuntime {
  using DockerRuntime::registered_runtimes;
  using DockerRuntime::runtime_executable;
  using DockerRuntime::runtime_registered;
};

template <typename F>
void must_not_throw(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    finding(std::string(what) + " threw: " + e.what());
  }
}

void check_info(const json& doc) {
  must_not_throw("sandbox_info_from_inspect", [&] {
    const moat::SandboxInfo info = moat::engine::sandbox_info_from_inspect(doc);
    expect(info.name.empty() || info.name.front() != '/' || doc.value("Name", std::string()).starts_with("//"),
           "inspect: the name kept its leading '/'");
  });
  must_not_throw("sandbox_info_from_list", [&] {
    const moat::SandboxInfo info = moat::engine::sandbox_info_from_list(doc);
    expect(info.running == (info.state == "running"), "list: running disagrees with state");
  });
  must_not_throw("/info readers", [&] {
    const std::string names = InfoReaders::registered_runtimes(doc);
    const auto runtimes = doc.is_object() ? doc.find("Runtimes") : doc.end();
    if (runtimes != doc.end() && runtimes->is_object()) {
      for (const auto& [name, entry] : runtimes->items()) {
        expect(InfoReaders::runtime_registered(doc, name), "a listed runtime is not registered");
        expect(names.find(name) != std::string::npos, "registered_runtimes() misses a runtime");
        // Relative paths are looked up in PATH: only try names that cannot
        // be anything on this machine, so the result does not depend on it.
        if (name.find("moat-fuzz") != std::string::npos) (void)InfoReaders::runtime_executable(doc, name);
      }
    }
    (void)InfoReaders::runtime_executable(doc, "runc");
    expect(!InfoReaders::runtime_registered(doc, "moat-fuzz-never-registered") ||
               (runtimes != doc.end() && runtimes->contains("moat-fuzz-never-registered")),
           "runtime_registered() made up a runtime");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  must_not_throw("find_stream_error", [&] {
    const auto error = moat::engine::find_stream_error(text);
    expect(!error || !error->empty(), "find_stream_error returned an empty message");
  });
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded()) check_info(doc);
  return 0;
}
