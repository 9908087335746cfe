// The images the sandbox-level integration tests run: the base image, built
// on demand by the host's ImageBuilder, and the Docker-in-Docker image.
#pragma once

namespace moat::test {

inline constexpr const char* kBaseImage = "moat/base:busybox";
inline constexpr const char* kDindImage = "moat/dind:bookworm";

// Builds kBaseImage with the host's ImageBuilder unless the engine has it
// (once per process; progress on stderr).
void ensure_base_image();

}  // namespace moat::test
