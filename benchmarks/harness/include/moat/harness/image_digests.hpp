// The content digests of the images a run uses, for the manifest: the same
// tag can name another image tomorrow.
#pragma once

#include <moat/engine/docker_client.hpp>

#include <map>
#include <string>
#include <vector>

namespace moat::harness {

// image reference -> "sha256:..." (the image id, a digest of its config), or
// "missing" when the engine does not have it, "unknown" when unreachable
// (`client` null).
std::map<std::string, std::string> image_digests(engine::DockerClient* client, const std::vector<std::string>& refs);

}  // namespace moat::harness
