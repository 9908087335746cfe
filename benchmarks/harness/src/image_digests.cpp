#include <moat/harness/image_digests.hpp>

namespace moat::harness {

std::map<std::string, std::string> image_digests(engine::DockerClient* client, const std::vector<std::string>& refs) {
  std::map<std::string, std::string> out;
  for (const auto& ref : refs) {
    if (out.contains(ref)) continue;
    if (client == nullptr) {
      out[ref] = "unknown";
      continue;
    }
    try {
      auto image = client->inspect_image(ref);
      out[ref] = image ? image->value("Id", std::string("unknown")) : "missing";
    } catch (const std::exception&) {
      out[ref] = "unknown";
    }
  }
  return out;
}

}  // namespace moat::harness
