// How `moat sandbox snapshot` and `moat snapshot ls` show snapshots: JSON is
// the model's wire format, the table one row per snapshot.
#pragma once

#include "../output.hpp"

#include <moat/model.hpp>

#include <vector>

namespace moat::cli::commands {

// Key/value view of one snapshot (its name alone with -q; JSON {"snapshot": ...}).
void print_snapshot(Output& out, const SnapshotInfo& info);
// One row per snapshot (names with -q; JSON {"snapshots": [...]}).
void print_snapshots(Output& out, const std::vector<SnapshotInfo>& snapshots);

}  // namespace moat::cli::commands
