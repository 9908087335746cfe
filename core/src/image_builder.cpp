// The caching logic of offline image preparation: engine image (by recipe
// label) -> cached rootfs tarball -> build. Building the rootfs itself is in
// image_rootfs.cpp.
#include <moat/core/image_builder.hpp>

#include "image_rootfs.hpp"
#include "logged_command.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace moat::core {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using moat::engine::EngineError;

namespace {

// Bump when the way images are built changes in a way recipes do not show.
constexpr const char* kFormat = "moat image recipe v1";
// A scratch directory this old is left over from a killed run.
constexpr auto kStaleScratchAge = std::chrono::hours(2);

class Fnv1a {
 public:
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
  }
  [[nodiscard]] std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
    return text;
  }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::string file_digest(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw moat::Error(MOAT_E_UNAVAILABLE,
                      file.string() + " is missing: apt-get install busybox-static (a statically linked busybox)");
  }
  Fnv1a hash;
  std::string buffer(std::size_t{64} * 1024, '\0');
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    hash.add(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  return hash.hex();
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

// Serialises preparation of one recipe between moat processes sharing a
// cache directory (two `moat image prepare bench` at once build once).
class CacheLock {
 public:
  CacheLock(const fs::path& file, const std::function<void(const std::string&)>& report) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw moat::Error(MOAT_E_FAILED, "cannot open the lock file " + file.string() + ": " + std::strerror(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    report("waiting for another moat process that holds " + file.string());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw moat::Error(MOAT_E_FAILED, "cannot lock " + file.string() + ": " + std::strerror(errno));
      }
    }
  }
  ~CacheLock() { ::close(fd_); }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_ = -1;
};

std::string label_of(const nlohmann::json& image, const std::string& key) {
  const auto config = image.find("Config");
  if (config == image.end() || !config->is_object()) return {};
  const auto labels = config->find("Labels");
  if (labels == config->end() || !labels->is_object()) return {};
  return labels->value(key, std::string());
}

void remove_stale_scratch(const fs::path& work_dir, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(work_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.starts_with(prefix) || !it->is_directory(ec)) continue;
    const auto age = fs::file_time_type::clock::now() - fs::last_write_time(it->path(), ec);
    if (!ec && age > kStaleScratchAge) {
      images::unmount_below(it->path());
      fs::remove_all(it->path(), ec);
    }
  }
}

}  // namespace

ImageBuilder::ImageBuilder(moat::engine::DockerClient& client, ImageBuilderOptions options)
    : client_(client), options_(std::move(options)) {}

void ImageBuilder::report(const std::string& line) const {
  if (options_.progress) {
    options_.progress(line);
  } else {
    std::fprintf(stderr, "moat: %s\n", line.c_str());
  }
}

std::string ImageBuilder::fingerprint(const ImageRecipe& recipe) const {
  Fnv1a hash;
  const auto field = [&hash](std::string_view key, std::string_view value) {
    hash.add(key);
    hash.add("=");
    hash.add(value);
    hash.add("\n");
  };
  field("format", kFormat);
  field("kind", recipe.kind == ImageRecipe::Kind::busybox ? "busybox" : "debootstrap");
  if (recipe.kind == ImageRecipe::Kind::debootstrap) {
    field("suite", recipe.suite);
    field("variant", recipe.variant);
    for (const auto& package : recipe.packages) field("package", package);
  } else {
    field("busybox", file_digest(options_.busybox));
  }
  for (const auto& change : recipe.changes) field("change", change);
  for (const auto& pattern : images::pack_excludes()) field("exclude", pattern);
  return hash.hex();
}

bool ImageBuilder::is_current(const ImageRecipe& recipe) {
  const auto image = client_.inspect_image(recipe.reference);
  return image && label_of(*image, kImageRecipeLabel) == fingerprint(recipe);
}

PreparedImage ImageBuilder::prepare(std::string_view name) {
  const auto recipe = find_recipe(name);
  if (!recipe) {
    std::string known;
    for (const auto& r : builtin_recipes()) known += (known.empty() ? "" : ", ") + r.name;
    throw moat::Error(MOAT_E_INVALID, "unknown image \"" + std::string(name) + "\" (known: " + known + ")");
  }
  return prepare(*recipe);
}

PreparedImage ImageBuilder::prepare(const ImageRecipe& recipe) {
  const auto started = Clock::now();
  if (!valid_name(recipe.name)) {
    throw moat::Error(MOAT_E_INVALID, "image recipe name \"" + recipe.name + "\" must be [a-z0-9_-]+");
  }
  PreparedImage result;
  result.name = recipe.name;
  result.reference = recipe.reference;
  result.fingerprint = fingerprint(recipe);
  const auto finish = [&](PreparedImage::Source source, std::string image_id) {
    result.source = source;
    result.image_id = std::move(image_id);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return result;
  };
  const auto current_id = [&]() -> std::optional<std::string> {
    const auto image = client_.inspect_image(recipe.reference);
    if (image && label_of(*image, kImageRecipeLabel) == result.fingerprint) return image->value("Id", std::string());
    return std::nullopt;
  };

  if (auto id = current_id()) {
    report("image " + recipe.name + ": " + recipe.reference + " is up to date");
    return finish(PreparedImage::Source::engine, *id);
  }

  std::error_code ec;
  fs::create_directories(options_.cache_dir, ec);
  if (ec) {
    throw moat::Error(MOAT_E_FAILED,
                      "cannot create the image cache " + options_.cache_dir.string() + ": " + ec.message());
  }
  CacheLock lock(options_.cache_dir / (recipe.name + ".lock"), [this](const std::string& l) { report(l); });
  if (auto id = current_id()) {  // another process finished it while we waited
    report("image " + recipe.name + ": " + recipe.reference + " is up to date");
    return finish(PreparedImage::Source::engine, *id);
  }

  result.tarball = options_.cache_dir / (recipe.name + "-" + result.fingerprint + ".tar");
  PreparedImage::Source source = PreparedImage::Source::tarball;
  if (fs::is_regular_file(result.tarball)) {
    report("image " + recipe.name + ": importing the cached " + result.tarball.string());
  } else {
    build_tarball(recipe, result.fingerprint, result.tarball);
    source = PreparedImage::Source::built;
  }

  const auto previous = client_.inspect_image(recipe.reference);
  std::vector<std::string> changes = recipe.changes;
  changes.push_back(std::string("LABEL ") + kImageRecipeLabel + "=" + result.fingerprint);
  changes.push_back("LABEL moat.image=" + recipe.name);
  report("image " + recipe.name + ": importing into the engine as " + recipe.reference);
  client_.import_image(result.tarball.string(), recipe.reference, changes, options_.import_timeout);

  const auto id = current_id();
  if (!id) {
    throw moat::Error(MOAT_E_FAILED, "image " + recipe.name + ": the engine accepted " + result.tarball.string() +
                                         " but " + recipe.reference + " does not carry the recipe label " +
                                         kImageRecipeLabel + "=" + result.fingerprint);
  }
  // The image this replaced is now untagged; drop it unless containers use it.
  if (previous) {
    const std::string old_id = previous->value("Id", std::string());
    if (!old_id.empty() && old_id != *id) {
      try {
        client_.remove_image(old_id);
      } catch (const EngineError&) {
        // In use by a container: it goes when they do (`docker image prune`).
      }
    }
  }
  report("image " + recipe.name + ": " + recipe.reference + " ready");
  return finish(source, *id);
}

void ImageBuilder::build_tarball(const ImageRecipe& recipe, const std::string& fingerprint, const fs::path& tarball) {
  const fs::path log = options_.cache_dir / (recipe.name + "-" + fingerprint + ".log");
  std::error_code ec;
  fs::remove(log, ec);  // one build per log

  const std::string scratch_prefix = "moat-image-" + recipe.name + "-";
  remove_stale_scratch(options_.work_dir, scratch_prefix);
  images::ScratchDir scratch(options_.work_dir, scratch_prefix);
  fs::path rootfs = scratch.path() / "rootfs";

  const auto prebuilt = options_.prebuilt_rootfs.find(recipe.name);
  if (prebuilt != options_.prebuilt_rootfs.end()) {
    rootfs = prebuilt->second;
    report("image " + recipe.name + ": using the prebuilt rootfs " + rootfs.string());
  } else if (recipe.kind == ImageRecipe::Kind::busybox) {
    report("image " + recipe.name + ": assembling a busybox rootfs from " + options_.busybox.string());
    images::make_busybox_rootfs(options_.busybox, rootfs, log);
  } else {
    report("image " + recipe.name + ": running debootstrap " + recipe.suite +
           " (a minute or more; log: " + log.string() + ")");
    images::run_debootstrap({
        .suite = recipe.suite,
        .variant = recipe.variant,
        .packages = recipe.packages,
        .mirror = options_.mirror,
        .target = rootfs,
        .log = log,
        .timeout = options_.debootstrap_timeout,
        .on_heartbeat =
            [&](std::chrono::seconds elapsed) {
              report("image " + recipe.name + ": debootstrap running for " + std::to_string(elapsed.count()) +
                     " s: " + images::last_line(log));
            },
    });
  }

  report("image " + recipe.name + ": packing the rootfs into " + tarball.string());
  images::pack_rootfs(rootfs, tarball, log, std::chrono::minutes(30));

  // Tarballs of this image's older recipes are dead weight (hundreds of MB).
  for (fs::directory_iterator it(options_.cache_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(recipe.name + "-") && name.ends_with(".tar") && it->path() != tarball &&
        name.size() == recipe.name.size() + 1 + 16 + 4) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace moat::core
