#include <moat/core/sweep.hpp>

#include <moat/engine/container_plan.hpp>
#include <moat/model.hpp>

#include <algorithm>
#include <set>

namespace moat::core {

namespace {

std::string label_of(const ManagedObject& o, const char* key) {
  const auto it = o.labels.find(key);
  return it == o.labels.end() ? std::string() : it->second;
}

// One object a plugin listed, and how to remove it.
struct Found {
  ManagedObject object;
  std::string runtime;  // the plugin that listed it (and removes it)
  bool legacy = false;  // listed by sandbox_list (an ABI 1.0 plugin): removed by sandbox_remove
};

class Sweeper {
 public:
  Sweeper(const SweepOptions& options, SweepResult& result) : options_(options), result_(result) {
    if (options_.scope == SweepScope::leftovers && options_.journal != nullptr) {
      for (auto& entry : options_.journal->entries()) {
        if (entry.creator_running())
          being_created_.insert(entry.name);
        else
          abandoned_.push_back(std::move(entry));
      }
    }
  }

  // False once cancelled (the sweep stops and says so).
  bool go_on() {
    if (options_.cancelled && options_.cancelled()) result_.interrupted = true;
    return !result_.interrupted;
  }

  // What every loaded plugin keeps, each object once.
  std::vector<Found> collect(SandboxService& service) {
    std::vector<Found> found;
    std::set<std::string> seen;
    for (const auto& id : service.loaded_runtime_ids()) {
      try {
        RuntimeHandle& h = service.runtime(id);
        if (h.supports("managed_list")) {
          for (auto& o : h.managed_list()) {
            if (seen.insert(o.store + '\n' + o.kind + '\n' + o.id).second) found.push_back({std::move(o), id, false});
          }
        } else if (h.supports("sandbox_list")) {
          for (auto& info : h.list()) {
            ManagedObject o{"plugin:" + id, "sandbox", info.name, info.name, info.labels};
            if (label_of(o, kManagedLabel) == "true") found.push_back({std::move(o), id, true});
          }
        }
      } catch (const moat::Error& e) {
        listing_failed(id, e);
      }
    }
    return found;
  }

  void remove(SandboxService& service, std::vector<Found>& found) {
    // Sandboxes (engine containers and runtime-kept ones) first: which stay
    // decides which volumes are orphans.
    std::set<std::string> kept;
    for (const auto& f : found) {
      if (f.object.kind != "container" && f.object.kind != "sandbox") continue;
      if (!go_on()) return;
      if (!covers(f.object, f.object.name)) {
        kept.insert(f.object.name);
        continue;
      }
      if (attempt(service, f)) record(f);
    }
    for (const auto& f : found) {
      if (f.object.kind != "volume") continue;
      if (!go_on()) return;
      if (covers_volume(f.object, kept) && attempt(service, f)) record(f);
    }
    for (const auto& f : found) {
      if (f.object.kind == "container" || f.object.kind == "sandbox" || f.object.kind == "volume") continue;
      if (!go_on()) return;
      if (covers(f.object, {}) && attempt(service, f)) record(f);
    }
  }

  // Half-made sandboxes are gone now (or were never made): their journal
  // entries go too, unless something of them could not be removed.
  void close_journal() {
    if (options_.dry_run || options_.journal == nullptr || !result_.errors.empty() || result_.engine_error) return;
    for (const auto& entry : abandoned_) options_.journal->forget(entry);
  }

 private:
  void listing_failed(const std::string& runtime, const moat::Error& e) {
    if (e.status() == MOAT_E_UNSUPPORTED) return;  // a runtime that keeps nothing
    // With an engine down every plugin on it fails the same way; say it once.
    if (result_.engine_error && std::string(result_.engine_error->what()) == e.what()) return;
    if (e.status() == MOAT_E_UNAVAILABLE && !result_.engine_error) {
      result_.engine_error = e;
      return;
    }
    const std::string line = "runtime " + runtime + " could not list what it keeps: " + e.what();
    for (const auto& seen : listing_messages_)
      if (seen == e.what()) return;
    listing_messages_.emplace_back(e.what());
    result_.errors.push_back(line);
  }

  // Removes `f` unless dry; a failure is recorded, not fatal.
  bool attempt(SandboxService& service, const Found& f) {
    if (options_.dry_run) return true;
    try {
      RuntimeHandle& h = service.runtime(f.runtime);
      if (f.legacy)
        h.remove(f.object.name);
      else
        h.managed_remove(f.object);
      return true;
    } catch (const moat::Error& e) {
      // Gone already (removed with its sandbox, or by another sweep): the goal holds.
      if (e.status() == MOAT_E_NOT_FOUND) return true;
      result_.errors.push_back(what(f) + ": " + e.what());
    } catch (const std::exception& e) {
      result_.errors.push_back(what(f) + ": " + e.what());
    }
    return false;
  }

  static std::string what(const Found& f) {
    if (f.object.kind == "sandbox") return "sandbox " + f.object.name + " (" + f.runtime + ")";
    return f.object.kind + " " + f.object.name;
  }

  void record(const Found& f) {
    if (f.object.kind == "container")
      result_.containers.push_back(f.object.name);
    else if (f.object.kind == "volume")
      result_.volumes.push_back(f.object.name);
    else if (f.object.kind == "network")
      result_.networks.push_back(f.object.name);
    else if (f.object.kind == "snapshot")
      result_.snapshots.push_back(f.object.name);
    else
      result_.sandboxes.push_back({f.runtime, f.object.name});
  }

  [[nodiscard]] bool half_made(const std::string& name) const {
    return std::any_of(abandoned_.begin(), abandoned_.end(), [&](const PendingCreate& p) { return p.name == name; });
  }

  // Whether the scope covers a sandbox or network (`name`: the sandbox it
  // is, empty for a network).
  [[nodiscard]] bool covers(const ManagedObject& o, const std::string& name) const {
    const std::string run = label_of(o, kRunIdLabel);
    switch (options_.scope) {
      case SweepScope::all:
        return true;
      case SweepScope::run:
        return run == options_.run_id;
      case SweepScope::leftovers:
        return !run.empty() || (!name.empty() && half_made(name));
    }
    return false;
  }

  // A volume made for a sandbox (moat.sandbox=<name>) is a leftover when that
  // sandbox is half-made or no longer exists, and no create of it is running.
  [[nodiscard]] bool covers_volume(const ManagedObject& o, const std::set<std::string>& kept) const {
    if (options_.scope != SweepScope::leftovers) return covers(o, {});
    if (!label_of(o, kRunIdLabel).empty()) return true;
    const std::string owner = label_of(o, engine::kSandboxLabel);
    if (owner.empty() || being_created_.contains(owner)) return false;
    return half_made(owner) || !kept.contains(owner);
  }

  const SweepOptions& options_;
  SweepResult& result_;
  std::set<std::string> being_created_;
  std::vector<PendingCreate> abandoned_;
  std::vector<std::string> listing_messages_;  // said once each
};

}  // namespace

std::vector<std::string> SweepResult::found() const {
  std::vector<std::string> out;
  for (const auto& c : containers) out.push_back("container " + c);
  for (const auto& v : volumes) out.push_back("volume " + v);
  for (const auto& n : networks) out.push_back("network " + n);
  for (const auto& n : snapshots) out.push_back("snapshot " + n);
  for (const auto& s : sandboxes) out.push_back("sandbox " + s.name + " (" + s.runtime + ")");
  return out;
}

SweepResult sweep(SandboxService& service, const SweepOptions& options) {
  SweepResult result;
  Sweeper sweeper(options, result);
  auto found = sweeper.collect(service);
  if (sweeper.go_on()) sweeper.remove(service, found);
  if (!result.interrupted) sweeper.close_journal();
  return result;
}

}  // namespace moat::core
