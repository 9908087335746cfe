#include <moat/core/probe_verdict_file.hpp>

#include <moat/core/atomic_file.hpp>
#include <moat/core/verdict_cache.hpp>

#include <fstream>
#include <utility>

#include <spdlog/spdlog.h>

namespace moat::core {
namespace {

// Bumped when an entry's meaning changes; a file of another format is ignored.
constexpr int kFormat = 1;

nlohmann::json stamp_json(const std::filesystem::path& file) {
  const auto stamp = stamp_of(file);
  if (!stamp) return nullptr;
  return {{"size", stamp->size}, {"mtime_ns", stamp->mtime_ns}, {"inode", stamp->inode}};
}

// What an entry must match, beyond its files' stamps.
nlohmann::json identity(const ProbeKey& key) {
  return {{"plugin", key.plugin.string()},
          {"plugin_stamp", stamp_json(key.plugin)},
          {"plugin_version", key.plugin_version},
          {"config", key.config}};
}

}  // namespace

ProbeVerdictFile::ProbeVerdictFile(std::filesystem::path file, std::chrono::seconds reuse,
                                   std::function<Clock::time_point()> now)
    : file_(std::move(file)), reuse_(reuse), now_(std::move(now)) {
  std::ifstream in(file_);
  if (!in) return;  // none yet
  try {
    const auto doc = nlohmann::json::parse(in);
    if (doc.value("format", 0) == kFormat && doc.contains("runtimes") && doc["runtimes"].is_object())
      entries_ = doc["runtimes"];
  } catch (const nlohmann::json::exception& e) {
    spdlog::debug("probe verdicts {}: unreadable ({}), ignored", file_.string(), e.what());
  }
}

std::optional<ProbeResult> ProbeVerdictFile::lookup(const ProbeKey& key) const {
  if (reuse_.count() <= 0 || !entries_.contains(key.runtime_id)) return std::nullopt;
  try {
    const nlohmann::json& entry = entries_[key.runtime_id];
    const auto taken = Clock::time_point(std::chrono::seconds(entry.at("taken_at").get<std::int64_t>()));
    const auto age = now_() - taken;
    if (age < std::chrono::seconds(0) || age >= reuse_) return std::nullopt;
    const nlohmann::json expected = identity(key);
    if (expected["plugin_stamp"].is_null() || entry.at("identity") != expected) return std::nullopt;
    const auto& files = entry.at("files");
    if (!files.is_object() || files.empty()) return std::nullopt;
    for (const auto& [path, stamp] : files.items()) {
      const nlohmann::json now_stamp = stamp_json(path);
      if (now_stamp.is_null() || now_stamp != stamp) return std::nullopt;
    }
    auto result = entry.at("result").get<ProbeResult>();
    if (!result.available) return std::nullopt;
    return result;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a foreign entry: probe again, and it is replaced
  }
}

void ProbeVerdictFile::store(const ProbeKey& key, const ProbeResult& result) {
  nlohmann::json files = nlohmann::json::object();
  bool complete = !result.depends_on.empty();
  for (const auto& path : result.depends_on) {
    nlohmann::json stamp = stamp_json(path);
    complete = complete && !stamp.is_null();  // one it cannot see: it could not tell a change
    files[path] = std::move(stamp);
  }
  const nlohmann::json id = identity(key);
  if (result.available && complete && !id["plugin_stamp"].is_null()) {
    const auto taken = std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count();
    entries_[key.runtime_id] = {{"taken_at", taken}, {"identity", id}, {"files", files}, {"result", result}};
  } else if (entries_.contains(key.runtime_id)) {
    entries_.erase(key.runtime_id);
  } else {
    return;  // nothing kept, nothing to forget
  }
  const nlohmann::json doc = {{"format", kFormat}, {"runtimes", entries_}};
  if (auto why = replace_file(file_, doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"))
    spdlog::debug("probe verdicts {}: not written ({})", file_.string(), *why);
}

}  // namespace moat::core
