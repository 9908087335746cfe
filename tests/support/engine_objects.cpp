#include "engine_objects.hpp"

#include <moat/model.hpp>

#include <chrono>
#include <iostream>

namespace moat::test {

namespace {

// Only such a name can be looked up as a container name.
bool addressable(const std::string& name) { return !name.empty() && name.find('/') == std::string::npos; }

}  // namespace

moat::engine::DockerClient& client() {
  static moat::engine::DockerClient c = [] {
    auto o = moat::engine::ClientOptions::from_environment();
    o.timeout = std::chrono::seconds(120);
    return moat::engine::DockerClient(o);
  }();
  return c;
}

std::vector<std::string> engine_objects_of(const std::string& sandbox) {
  std::vector<std::string> out;
  for (const auto& c : client().list_containers({{kNameLabel, sandbox}}, true))
    out.push_back("container " + c.value("Id", std::string()).substr(0, 12));
  for (const auto& v : client().list_volumes({{"moat.sandbox", sandbox}}))
    out.push_back("volume " + v.value("Name", std::string()));
  if (addressable(sandbox) && client().find_container(sandbox)) out.push_back("container named " + sandbox);
  return out;
}

SandboxCleanup::~SandboxCleanup() {
  for (const auto& name : names_) {
    try {
      for (const auto& c : client().list_containers({{kNameLabel, name}}, true))
        client().remove_container(c.at("Id").get<std::string>(), true, true);
      if (addressable(name))
        if (auto c = client().find_container(name); c && c->value("Name", "") == "/" + name)
          client().remove_container(c->at("Id").get<std::string>(), true, true);
      for (const auto& v : client().list_volumes({{"moat.sandbox", name}}))
        client().remove_volume(v.at("Name").get<std::string>(), true);
    } catch (const std::exception& e) {
      std::cerr << "cleanup of " << name << ": " << e.what() << "\n";
    }
  }
}

}  // namespace moat::test
