#include "snapshot_views.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace moat::cli::commands {
namespace {

std::string size_text(std::int64_t bytes) {
  if (bytes < (1 << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
}

std::string targets(const SnapshotInfo& s) {
  std::vector<std::string> out;
  for (const auto& v : s.volumes) out.push_back(v.target);
  return out.empty() ? "-" : fmt::format("{}", fmt::join(out, ", "));
}

}  // namespace

void print_snapshot(Output& out, const SnapshotInfo& info) {
  out.object("snapshot", info, info.name, [&](Table& t) {
    t.add_row({"name:", info.name});
    t.add_row({"of sandbox:", info.sandbox});
    t.add_row({"runtime:", info.runtime});
    t.add_row({"image:", info.image});
    t.add_row({"created:", info.created});
    t.add_row({"size:", size_text(info.size_bytes) + " (root filesystem)"});
    if (info.dind) t.add_row({"docker:", "an inner dockerd (restore starts it)"});
    for (const auto& v : info.volumes) t.add_row({"keeps:", v.target + " (" + v.kind + ", in volume " + v.store + ")"});
  });
}

void print_snapshots(Output& out, const std::vector<SnapshotInfo>& snapshots) {
  if (out.json()) {
    out.document({{"snapshots", snapshots}});
  } else if (out.quiet()) {
    for (const auto& s : snapshots) out.line(s.name);
  } else if (snapshots.empty()) {
    out.line("no snapshots");
  } else {
    Table t({"NAME", "OF SANDBOX", "RUNTIME", "CREATED", "SIZE", "KEEPS"});
    for (const auto& s : snapshots)
      t.add_row({s.name, s.sandbox, s.runtime, s.created, size_text(s.size_bytes), targets(s)});
    out.table(t);
  }
}

}  // namespace moat::cli::commands
