// Helpers shared by the files that implement DockerRuntime (private to
// sdk/src/engine; not installed).
#pragma once

#include <moat/engine/container_plan.hpp>
#include <moat/model.hpp>

#include <exception>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace moat::engine::detail {

// Six random hex digits: helper containers' names are unique with it.
std::string random_suffix();

// Throws moat::Error(MOAT_E_INVALID, message).
[[noreturn]] void invalid(const std::string& message);

// The engine's Labels object as a map (non-string values skipped).
std::map<std::string, std::string> labels_of(const nlohmann::json& labels);

// The DinD mode recorded on a container (kDindLabel); off when absent.
DindMode dind_from_label(const std::map<std::string, std::string>& labels);

// Refuses spec labels that moat sets itself, unless repeated with the same value.
void check_spec_labels(const SandboxSpec& spec, const std::string& plugin_id);

// Asks the engine a yes/no question (an inspect, /info) to tell apart what
// an HTTP status alone leaves open; nullopt when the engine cannot answer.
template <typename Question>
std::optional<bool> ask(Question&& question) {
  try {
    return static_cast<bool>(question());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace moat::engine::detail
