// Offline images: no registry is reachable, so moat builds the images its
// sandboxes and benchmarks run from local packages (debootstrap from the
// Debian mirror apt uses, or the host's static busybox) and imports them
// into the engine as rootfs tarballs.
//
// Cached at two levels, keyed by a fingerprint of the recipe:
//  1. the engine: an image with the recipe's reference and the label
//     moat.image-recipe=<fingerprint> is current, and nothing is done;
//  2. the disk: <cache_dir>/<name>-<fingerprint>.tar is imported again
//     (e.g. after the engine's images were pruned) without rebuilding.
// Only when both miss is the rootfs built (bench: debootstrap, ~70 s).
//
// The images are deliberately NOT labelled moat.managed=true: `moat gc`
// removes everything so labelled, and these caches must survive it.
#pragma once

#include <moat/engine/docker_client.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::core {

struct ImageRecipe {
  enum class Kind {
    debootstrap,  // debootstrap --variant=<variant> --include=<packages> <suite>
    busybox,      // the host's statically linked busybox with its applet links
  };

  std::string name;       // "base", "bench", "dind"
  std::string reference;  // "moat/bench:bookworm"
  Kind kind = Kind::debootstrap;
  std::string suite;                  // debootstrap only
  std::string variant;                // debootstrap only
  std::vector<std::string> packages;  // debootstrap --include
  // Dockerfile lines applied at import (CMD, ENV, ...). The recipe label is
  // added by the builder.
  std::vector<std::string> changes;
};

// The recipes moat ships:
//   base  = moat/base:busybox   static busybox (fast lifecycle tests, boot benchmarks)
//   bench = moat/bench:bookworm debootstrap minbase + fio, make, gcc, libc6-dev
//   dind  = moat/dind:bookworm  bench + docker.io, iptables, ca-certificates
std::vector<ImageRecipe> builtin_recipes();
// nullopt for an unknown name.
std::optional<ImageRecipe> find_recipe(std::string_view name);

// The label that carries the recipe fingerprint on the imported image.
inline constexpr const char* kImageRecipeLabel = "moat.image-recipe";

struct ImageBuilderOptions {
  std::filesystem::path cache_dir = "/var/cache/moat/images";
  // Where rootfs trees are built (needs ~1 GiB free for bench/dind).
  std::filesystem::path work_dir = "/var/tmp";
  // debootstrap mirror; empty = debootstrap's default (deb.debian.org).
  std::string mirror;
  std::filesystem::path busybox = "/bin/busybox";
  // For tests and development only: a rootfs directory already made with
  // exactly this recipe, used instead of running debootstrap (keyed by recipe
  // name). It is read, never modified.
  std::map<std::string, std::filesystem::path> prebuilt_rootfs;
  std::chrono::minutes debootstrap_timeout{30};
  std::chrono::minutes import_timeout{15};
  // Progress lines ("image bench: running debootstrap ..."). Default: stderr.
  std::function<void(const std::string&)> progress;
};

struct PreparedImage {
  enum class Source {
    engine,   // already current in the engine: nothing done
    tarball,  // imported from the cached tarball
    built,    // rootfs built, packed and imported
  };
  std::string name;
  std::string reference;
  std::string fingerprint;
  std::string image_id;
  Source source = Source::engine;
  std::filesystem::path tarball;  // the cached tarball (empty when Source::engine)
  std::chrono::milliseconds elapsed{0};
};

std::string_view source_name(PreparedImage::Source source) noexcept;

class ImageBuilder {
 public:
  // `client` must outlive the builder.
  explicit ImageBuilder(moat::engine::DockerClient& client, ImageBuilderOptions options = {});

  // Prepares a built-in recipe by name; unknown names are MOAT_E_INVALID.
  PreparedImage prepare(std::string_view name);
  PreparedImage prepare(const ImageRecipe& recipe);

  // The recipe's fingerprint: a hash of everything that shapes the image
  // (kind, suite, variant, packages, import changes, and for busybox the
  // binary's content).
  [[nodiscard]] std::string fingerprint(const ImageRecipe& recipe) const;

  // True when the engine holds the image for this recipe's fingerprint.
  bool is_current(const ImageRecipe& recipe);

  [[nodiscard]] const ImageBuilderOptions& options() const { return options_; }

 private:
  void report(const std::string& line) const;
  void build_tarball(const ImageRecipe& recipe, const std::string& fingerprint, const std::filesystem::path& tarball);

  moat::engine::DockerClient& client_;
  ImageBuilderOptions options_;
};

}  // namespace moat::core
