// DockerRuntime's snapshots (ABI 1.1). A snapshot is an engine image of the
// sandbox's root filesystem (docker commit) and one engine volume per mount
// moat made for it - its volumes, the inner /var/lib/docker, its workspace
// and home directories - holding a copy of that mount. Restore makes a new
// sandbox of the image with fresh copies of those volumes, so a snapshot
// stays as it was taken however often it is restored.
//
// The copies are made by a short-lived helper container (moat's busybox
// image on the engine's runc, `cp -a`): ownership, modes, links and device
// nodes are kept, extended attributes are not.
#include <moat/engine/docker_runtime.hpp>
#include <moat/support/json_read.hpp>
#include <moat/support/spec_checks.hpp>

#include "runtime_internal.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace moat::engine {

using json = nlohmann::json;
using detail::invalid;
using detail::labels_of;
using support::member;
using support::string_at;

namespace {

// Every snapshot is a tag of this repository: moat-snapshots:<name>.
constexpr const char* kSnapshotRepo = "moat-snapshots";
// On the image: the sandbox it was taken of, and that sandbox's home owner.
constexpr const char* kSnapshotOfLabel = "moat.snapshot.of";
constexpr const char* kSnapshotUserLabel = "moat.snapshot.user";
// On a volume: where its content was mounted, and what it was.
constexpr const char* kSnapshotTargetLabel = "moat.snapshot.target";
constexpr const char* kSnapshotKindLabel = "moat.snapshot.kind";
// A copy may hold a whole inner Docker store.
constexpr std::chrono::minutes kCopyTimeout{10};

std::string image_of(const std::string& snapshot) { return std::string(kSnapshotRepo) + ":" + snapshot; }

// "/var/lib/docker" -> "var-lib-docker": a mount target as part of a volume name.
std::string slug(const std::string& target) {
  std::string out;
  for (char c : target) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "root" : out;
}

// The home directory a bind at `target` is: "/root" -> "", "/home/u" -> "u".
std::optional<std::string> home_owner(const std::string& target) {
  if (target == "/root") return std::string();
  if (target.rfind("/home/", 0) == 0 && target.find('/', 6) == std::string::npos && target.size() > 6)
    return target.substr(6);
  return std::nullopt;
}

SnapshotVolume volume_of(const json& v) {
  const auto labels = labels_of(member(v, "Labels"));
  auto at = [&](const char* key) {
    auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
  };
  return {at(kSnapshotTargetLabel), string_at(v, "Name"), at(kSnapshotKindLabel)};
}

}  // namespace

void DockerRuntime::copy_tree(const std::string& from, const std::string& to) {
  DockerClient c = client_with_timeout(kCopyTimeout);
  if (!c.inspect_image(probe_image_))
    throw moat::Error(MOAT_E_UNAVAILABLE, "image " + probe_image_ +
                                              " copies snapshot data and is not in the engine; run 'moat image "
                                              "prepare' first");
  const std::string name = "moat-copy-" + plugin_id_ + "-" + detail::random_suffix();
  // A fixed script: the paths are mounts, never words in it.
  const json config = {
      {"Image", probe_image_},
      {"Cmd", {"/bin/sh", "-c", "cp -a /from/. /to/"}},
      {"Labels", {{kManagedLabel, "true"}, {kProbeLabel, plugin_id_}}},
      {"HostConfig", {{"Runtime", "runc"}, {"Privileged", false}, {"Binds", {from + ":/from:ro", to + ":/to"}}}}};
  std::string id;
  auto remove = [&] {
    if (id.empty()) return;
    try {
      c.remove_container(id, true, true);
    } catch (const std::exception& e) {
      host_.warn("copy container " + name + " was not removed: " + e.what());
    }
  };
  try {
    id = c.create_container(name, config);
    c.start_container(id);
    const std::int64_t code = c.wait_container(id, "not-running", kCopyTimeout);
    if (code != 0) {
      const auto out = c.logs(id);
      throw moat::Error(MOAT_E_FAILED, "copying " + from + " to " + to + " failed (exit " + std::to_string(code) +
                                           "): " + support::printable(out.stderr_data.substr(0, 400)));
    }
  } catch (...) {
    remove();
    throw;
  }
  remove();
}

SnapshotInfo DockerRuntime::snapshot_info(const std::string& name) {
  auto image = client_.inspect_image(image_of(name));
  if (!image) throw moat::Error(MOAT_E_NOT_FOUND, "no snapshot named '" + name + "' ('moat snapshot ls' lists them)");
  const auto labels = labels_of(member(member(*image, "Config"), "Labels"));
  auto at = [&](const char* key) {
    auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
  };
  if (at(kManagedLabel) != "true" || at(kSnapshotLabel) != name)
    throw moat::Error(MOAT_E_NOT_FOUND, "image " + image_of(name) + " was not made by moat; moat leaves it alone");
  SnapshotInfo info;
  info.name = name;
  info.id = string_at(*image, "Id");
  info.runtime = at(kRuntimeLabel);
  info.sandbox = at(kSnapshotOfLabel);
  info.image = image_of(name);
  // To the second, as the list gives it ("2026-12-05T03:07:13.535662076Z").
  info.created = string_at(*image, "Created");
  if (auto dot = info.created.find('.'); dot != std::string::npos) info.created = info.created.substr(0, dot) + "Z";
  info.size_bytes = support::int_at(*image, "Size");
  info.dind = detail::dind_from_label(labels) != DindMode::off;
  info.user = at(kSnapshotUserLabel);
  for (const auto& v : client_.list_volumes({{kManagedLabel, "true"}, {kSnapshotLabel, name}}))
    info.volumes.push_back(volume_of(v));
  std::sort(info.volumes.begin(), info.volumes.end(),
            [](const SnapshotVolume& a, const SnapshotVolume& b) { return a.target < b.target; });
  return info;
}

SnapshotInfo DockerRuntime::snapshot_sandbox(const std::string& name, const std::string& snapshot) {
  support::check_object_name(snapshot, "snapshot", "snapshot");
  const Resolved r = resolve(name, true);
  if (client_.inspect_image(image_of(snapshot)))
    throw moat::Error(MOAT_E_CONFLICT,
                      "snapshot '" + snapshot + "' already exists ('moat snapshot rm " + snapshot + "' removes it)");

  // What is copied: the volumes moat made, and the workspace and home binds.
  std::set<std::string> moat_volumes;
  std::set<std::string> taken;  // every volume name in the engine
  for (const auto& v : client_.list_volumes({})) {
    taken.insert(string_at(v, "Name"));
    const auto labels = labels_of(member(v, "Labels"));
    if (auto managed = labels.find(kManagedLabel); managed != labels.end() && managed->second == "true")
      moat_volumes.insert(string_at(v, "Name"));
  }
  struct Source {
    std::string from;  // volume name or host directory
    std::string target;
    std::string kind;
    std::string volume;  // the snapshot's copy
  };
  std::vector<Source> sources;
  std::string user;
  for (const auto& m : member(r.inspect, "Mounts")) {
    const std::string type = string_at(m, "Type");
    const std::string target = string_at(m, "Destination");
    if (type == "volume" && moat_volumes.contains(string_at(m, "Name"))) {
      sources.push_back({string_at(m, "Name"), target, "volume", {}});
    } else if (type == "bind" && target == "/workspace") {
      sources.push_back({string_at(m, "Source"), target, "workspace", {}});
    } else if (type == "bind") {
      if (auto owner = home_owner(target)) {
        sources.push_back({string_at(m, "Source"), target, "home", {}});
        user = *owner;
      }
    }
  }

  // The engine hands back an existing volume of a name as it is: what an
  // earlier snapshot of this name left would be merged into this one. Two
  // targets with one slug ("/a-b", "/a/b") get a number.
  std::set<std::string> names;
  for (auto& s : sources) {
    const std::string base = "moat-snapshot-" + snapshot + "-" + slug(s.target);
    s.volume = base;
    for (int n = 2; names.contains(s.volume); ++n) s.volume = base + "-" + std::to_string(n);
    names.insert(s.volume);
    if (taken.contains(s.volume))
      throw moat::Error(MOAT_E_CONFLICT, "volume " + s.volume + " is left from an earlier snapshot '" + snapshot +
                                             "'; 'moat gc' removes it, or take this one under another name");
  }

  // A still sandbox, so that the image and the copies agree.
  const bool running = support::bool_at(member(r.inspect, "State"), "Running", false);
  bool paused = false;
  if (running) {
    try {
      client_.pause_container(r.id);
      paused = true;
    } catch (const EngineError& e) {
      host_.warn("sandbox '" + name + "' could not be paused for its snapshot (" + e.what() +
                 "); it is copied while it runs");
    }
  }
  std::vector<std::string> made;
  bool committed = false;
  auto undo = [&] {
    for (const auto& v : made) {
      try {
        client_.remove_volume(v, true);
      } catch (const std::exception& e) {
        host_.warn("snapshot rollback: volume " + v + " was not removed: " + e.what());
      }
    }
    if (committed) {
      try {
        client_.remove_image(image_of(snapshot), true);
      } catch (const std::exception& e) {
        host_.warn("snapshot rollback: image " + image_of(snapshot) + " was not removed: " + e.what());
      }
    }
  };
  auto resume = [&] {
    if (!paused) return;
    try {
      client_.unpause_container(r.id);
    } catch (const std::exception& e) {
      host_.warn("sandbox '" + name + "' could not be resumed after its snapshot: " + e.what());
    }
  };
  try {
    std::vector<std::string> changes = {std::string("LABEL ") + kSnapshotLabel + "=\"" + snapshot + "\" " +
                                        kSnapshotOfLabel + "=\"" + name + "\" " + kSnapshotUserLabel + "=\"" + user +
                                        "\""};
    DockerClient slow = client_with_timeout(kCopyTimeout);
    slow.commit_container(r.id, image_of(snapshot), changes, /*pause=*/false);
    committed = true;
    for (const auto& s : sources) {
      const std::string& volume = s.volume;
      client_.create_volume(volume, {{kManagedLabel, "true"},
                                     {kRuntimeLabel, plugin_id_},
                                     {kSnapshotLabel, snapshot},
                                     {kSnapshotTargetLabel, s.target},
                                     {kSnapshotKindLabel, s.kind}});
      made.push_back(volume);
      copy_tree(s.from, volume);
    }
  } catch (const EngineError& e) {
    undo();
    resume();
    throw moat::Error(e.status(), "snapshot of sandbox '" + name + "': " + e.what());
  } catch (...) {
    undo();
    resume();
    throw;
  }
  resume();
  return snapshot_info(snapshot);
}

std::vector<SnapshotInfo> DockerRuntime::list_snapshots() {
  std::vector<SnapshotInfo> out;
  for (const auto& image : client_.list_images({{kManagedLabel, "true"}, {kRuntimeLabel, plugin_id_}})) {
    const auto labels = labels_of(member(image, "Labels"));
    auto snap = labels.find(kSnapshotLabel);
    if (snap == labels.end()) continue;
    const auto& tags = member(image, "RepoTags");
    if (!tags.is_array() || std::find(tags.begin(), tags.end(), json(image_of(snap->second))) == tags.end()) continue;
    out.push_back(snapshot_info(snap->second));
  }
  return out;
}

void DockerRuntime::remove_snapshot(const std::string& name) {
  support::check_object_name(name, "name", "snapshot");
  const SnapshotInfo info = snapshot_info(name);
  std::vector<std::string> users;
  for (const auto& c : client_.list_containers({{kManagedLabel, "true"}}, true))
    if (string_at(c, "ImageID") == info.id) users.push_back(sandbox_info_from_list(c).name);
  if (!users.empty()) {
    std::string list;
    for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
    throw moat::Error(MOAT_E_CONFLICT,
                      "snapshot '" + name + "' is the filesystem of sandbox(es) " + list + "; remove them first");
  }
  client_.remove_image(image_of(name), false);
  for (const auto& v : info.volumes) client_.remove_volume(v.store, true);
}

SandboxInfo DockerRuntime::restore_sandbox(const RestoreRequest& request) {
  support::check_object_name(request.snapshot, "snapshot", "snapshot");
  const SnapshotInfo snap = snapshot_info(request.snapshot);
  SandboxSpec spec = request.spec;
  if (!spec.image.empty() && spec.image != snap.image)
    invalid("image: a restored sandbox runs its snapshot's filesystem (" + snap.image + "); give no image");
  spec.image = snap.image;
  support::check_common_spec(spec);
  if (auto existing = client_.find_container(spec.name); existing && string_at(*existing, "Name") == "/" + spec.name)
    throw moat::Error(MOAT_E_CONFLICT, "a sandbox named '" + spec.name + "' already exists");

  // Where each volume of the snapshot goes: a host directory the caller
  // gave (it must be empty: a restore never merges into someone's files),
  // else a new volume of the sandbox at the same place.
  std::vector<std::pair<std::string, std::string>> into_dirs;  // snapshot volume -> host directory
  for (const auto& v : snap.volumes) {
    const std::string& dir = v.kind == "workspace" ? spec.workspace : (v.kind == "home" ? spec.home : std::string());
    if (dir.empty()) continue;
    std::error_code ec;
    if (!std::filesystem::is_empty(dir, ec) || ec)
      throw moat::Error(MOAT_E_CONFLICT, v.kind + ": " + dir +
                                             " is not an empty directory; a restore copies the "
                                             "snapshot's " +
                                             v.kind + " into an empty one");
    into_dirs.emplace_back(v.store, dir);
  }
  std::vector<std::string> made;
  auto undo = [&] {
    for (const auto& v : made) {
      try {
        client_.remove_volume(v, true);
      } catch (const std::exception& e) {
        host_.warn("restore rollback: volume " + v + " was not removed: " + e.what());
      }
    }
  };
  SandboxInfo info;
  try {
    std::map<std::string, std::string> vlabels = {
        {kManagedLabel, "true"}, {kSandboxLabel, spec.name}, {kRuntimeLabel, plugin_id_}};
    if (auto run = spec.labels.find(kRunIdLabel); run != spec.labels.end()) vlabels[kRunIdLabel] = run->second;
    std::set<std::string> existing;
    for (const auto& v : client_.list_volumes({})) existing.insert(string_at(v, "Name"));
    for (const auto& v : snap.volumes) {
      const bool to_dir =
          (v.kind == "workspace" && !spec.workspace.empty()) || (v.kind == "home" && !spec.home.empty());
      const bool taken =
          std::any_of(spec.mounts.begin(), spec.mounts.end(), [&](const Mount& m) { return m.target == v.target; });
      if (to_dir || taken) continue;
      // The name a DinD store of this sandbox has, so the plugin's hooks find it.
      // Two targets with one slug ("/a-b", "/a/b") get a number.
      const std::string base = v.target == "/var/lib/docker" ? spec.name + "-docker" : spec.name + "-" + slug(v.target);
      std::string volume = base;
      for (int n = 2; std::find(made.begin(), made.end(), volume) != made.end(); ++n)
        volume = base + "-" + std::to_string(n);
      // The engine would hand back a volume of that name as it is: someone's
      // data, or what a sandbox of this name that is gone left behind.
      if (existing.contains(volume))
        throw moat::Error(MOAT_E_CONFLICT, "volume " + volume +
                                               " already exists; remove it ('moat gc' removes "
                                               "what a removed sandbox left) or restore under another name");
      client_.create_volume(volume, vlabels);
      made.push_back(volume);
      copy_tree(v.store, volume);
      spec.mounts.push_back(Mount{"volume", volume, v.target, false});
    }
    // The image carries the labels of the sandbox it was taken of (a commit
    // keeps them); moat's own are blanked, so the new sandbox is not taken
    // for that one's run, policy or snapshot.
    std::map<std::string, std::string> blanks;
    if (auto image = client_.inspect_image(snap.image))
      for (const auto& [k, value] : labels_of(member(member(*image, "Config"), "Labels")))
        if (k.rfind("moat.", 0) == 0) blanks[k] = "";
    info = create_with(spec, blanks);
  } catch (...) {
    undo();
    throw;
  }
  try {
    for (const auto& [volume, dir] : into_dirs) copy_tree(volume, dir);
  } catch (...) {
    remove_sandbox(spec.name);
    throw;
  }
  return info;
}

}  // namespace moat::engine
