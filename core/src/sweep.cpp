#include <moat/core/sweep.hpp>

#include <moat/engine/container_plan.hpp>
#include <moat/model.hpp>
#include <moat/support/json_read.hpp>

#include <algorithm>
#include <set>

namespace moat::core {

using json = nlohmann::json;

namespace {

std::string container_name(const json& entry) {
  const json& names = support::member(entry, "Names");
  if (!names.is_array() || names.empty() || !names.front().is_string())
    return support::string_at(entry, "Id").substr(0, 12);
  const std::string n = names.front().get<std::string>();
  return n.starts_with('/') ? n.substr(1) : n;
}

std::string label_of(const json& entry, const char* key) {
  return support::string_at(support::member(entry, "Labels"), key);
}

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

  // Runs `remove` unless dry; a failure is recorded, not fatal.
  template <typename Fn>
  bool attempt(const std::string& what, Fn&& remove) {
    if (options_.dry_run) return true;
    try {
      remove();
      return true;
    } catch (const moat::Error& e) {
      // Gone already (removed with its sandbox, or by another sweep): the goal holds.
      if (e.status() == MOAT_E_NOT_FOUND) return true;
      result_.errors.push_back(what + ": " + e.what());
    } catch (const std::exception& e) {
      result_.errors.push_back(what + ": " + e.what());
    }
    return false;
  }

  void engine(engine::DockerClient& client, std::set<std::string>& engine_ids) {
    engine::LabelFilter filter = {{kManagedLabel, "true"}};
    if (options_.scope == SweepScope::run) filter[kRunIdLabel] = options_.run_id;
    try {
      std::set<std::string> kept;  // names of the sandbox containers that stay
      for (const auto& c : client.list_containers(filter, true)) {
        if (!go_on()) return;
        const std::string id = support::string_at(c, "Id");
        engine_ids.insert(id);
        const std::string name = container_name(c);
        if (!covers(c, name)) {
          kept.insert(name);
          continue;
        }
        if (attempt("container " + name, [&] { client.remove_container(id, true, true); }))
          result_.containers.push_back(name);
      }
      for (const auto& v : client.list_volumes(filter)) {
        if (!go_on()) return;
        const std::string name = support::string_at(v, "Name");
        if (!covers_volume(v, kept)) continue;
        if (attempt("volume " + name, [&] { client.remove_volume(name, true); })) result_.volumes.push_back(name);
      }
      for (const auto& n : client.list_networks(filter)) {
        if (!go_on()) return;
        const std::string name = support::string_at(n, "Name");
        if (!covers(n, {})) continue;
        if (attempt("network " + name, [&] { client.remove_network(support::string_at(n, "Id")); }))
          result_.networks.push_back(name);
      }
    } catch (const moat::Error& e) {
      // Listing failed: the engine is down or refuses. Removals failing one
      // by one are recorded by attempt().
      result_.engine_error = e;
    }
  }

  void runtimes(SandboxService& service, const std::set<std::string>& engine_ids) {
    const SandboxListing listing = service.list();
    for (const auto& info : listing.sandboxes) {
      if (!go_on()) return;
      if (engine_ids.contains(info.id)) continue;  // an engine container: handled above
      const json entry = {{"Labels", info.labels}};
      if (label_of(entry, kManagedLabel) != "true" || !covers(entry, info.name)) continue;
      if (attempt("sandbox " + info.name + " (" + info.runtime + ")",
                  [&] { service.runtime(info.runtime).remove(info.name); }))
        result_.sandboxes.push_back({info.runtime, info.name});
    }
    for (const auto& [id, e] : listing.failures) {
      // With the engine down every Docker-backed runtime fails the same way; say it once.
      if (result_.engine_error && e.status() == MOAT_E_UNAVAILABLE) continue;
      result_.errors.push_back("runtime " + id + " could not list its sandboxes: " + e.what());
    }
  }

  // Half-made sandboxes are gone now (or were never made): their journal
  // entries go too, unless something of them could not be removed.
  void close_journal() {
    if (options_.dry_run || options_.journal == nullptr || !result_.errors.empty() || result_.engine_error) return;
    for (const auto& entry : abandoned_) options_.journal->forget(entry);
  }

 private:
  [[nodiscard]] bool half_made(const std::string& name) const {
    return std::any_of(abandoned_.begin(), abandoned_.end(), [&](const PendingCreate& p) { return p.name == name; });
  }

  // Whether the scope covers a container, network or runtime-kept sandbox
  // (`name`: the sandbox it is, empty for a network).
  [[nodiscard]] bool covers(const json& entry, const std::string& name) const {
    const std::string run = label_of(entry, kRunIdLabel);
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
  [[nodiscard]] bool covers_volume(const json& entry, const std::set<std::string>& kept) const {
    if (options_.scope != SweepScope::leftovers) return covers(entry, {});
    if (!label_of(entry, kRunIdLabel).empty()) return true;
    const std::string owner = label_of(entry, engine::kSandboxLabel);
    if (owner.empty() || being_created_.contains(owner)) return false;
    return half_made(owner) || !kept.contains(owner);
  }

  const SweepOptions& options_;
  SweepResult& result_;
  std::set<std::string> being_created_;
  std::vector<PendingCreate> abandoned_;
};

}  // namespace

std::vector<std::string> SweepResult::found() const {
  std::vector<std::string> out;
  for (const auto& c : containers) out.push_back("container " + c);
  for (const auto& v : volumes) out.push_back("volume " + v);
  for (const auto& n : networks) out.push_back("network " + n);
  for (const auto& s : sandboxes) out.push_back("sandbox " + s.name + " (" + s.runtime + ")");
  return out;
}

SweepResult sweep(engine::DockerClient* engine, SandboxService* service, const SweepOptions& options) {
  SweepResult result;
  Sweeper sweeper(options, result);
  std::set<std::string> engine_ids;
  if (engine != nullptr) sweeper.engine(*engine, engine_ids);
  if (service != nullptr && !result.interrupted) sweeper.runtimes(*service, engine_ids);
  if (!result.interrupted) sweeper.close_journal();
  return result;
}

}  // namespace moat::core
