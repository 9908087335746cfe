// The offline images moat ships. A recipe says what goes into an image; the
// builder (image_builder.cpp) decides whether it must be built.
#include <moat/core/image_builder.hpp>

namespace moat::core {

namespace {

// Sandboxes and benchmarks always pass their own command; this default only
// matters for a bare `docker run`, where a shell is what people expect.
const std::vector<std::string> kDefaultChanges = {"CMD [\"/bin/sh\"]"};

const std::vector<std::string> kBenchPackages = {"fio", "make", "gcc", "libc6-dev"};

}  // namespace

std::vector<ImageRecipe> builtin_recipes() {
  ImageRecipe base;
  base.name = "base";
  base.reference = "moat/base:busybox";
  base.kind = ImageRecipe::Kind::busybox;
  base.changes = kDefaultChanges;

  ImageRecipe bench;
  bench.name = "bench";
  bench.reference = "moat/bench:bookworm";
  bench.kind = ImageRecipe::Kind::debootstrap;
  bench.suite = "bookworm";
  bench.variant = "minbase";
  bench.packages = kBenchPackages;
  bench.changes = kDefaultChanges;

  // Docker inside the sandbox: the engine and the iptables it drives;
  // ca-certificates so the inner engine can reach TLS registries where
  // there are any.
  ImageRecipe dind = bench;
  dind.name = "dind";
  dind.reference = "moat/dind:bookworm";
  dind.packages.insert(dind.packages.end(), {"docker.io", "iptables", "ca-certificates"});

  return {base, bench, dind};
}

std::optional<ImageRecipe> find_recipe(std::string_view name) {
  for (auto& recipe : builtin_recipes()) {
    if (recipe.name == name) return recipe;
  }
  return std::nullopt;
}

std::string_view source_name(PreparedImage::Source source) noexcept {
  switch (source) {
    case PreparedImage::Source::engine:
      return "engine";
    case PreparedImage::Source::tarball:
      return "tarball";
    case PreparedImage::Source::built:
      return "built";
  }
  return "unknown";
}

}  // namespace moat::core
