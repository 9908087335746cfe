// Persistent workspace: a file written to /workspace and to the home
// directory (both host directories) survives a stop/start of the sandbox and
// a re-create of it with the same directories.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/support/spec_checks.hpp>
#include <moat/support/text.hpp>

#include "check_helpers.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace moat::matrix {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMarker = "moat-matrix-marker";

struct Places {
  std::string workspace = "/workspace";
  std::string home;
};

// Reads the marker in both places through the sandbox; true when both hold `token`.
bool both_hold(EvidenceRecorder& rec, const std::string& name, const Places& at, const std::string& token,
               std::string& missing) {
  bool ok = true;
  for (const std::string& dir : {at.workspace, at.home}) {
    ExecResult r = rec.exec(name, {"cat", kMarker}, 20, dir);
    std::string got = r.stdout_data;
    while (!got.empty() && got.back() == '\n') got.pop_back();
    if (r.exit_code != 0 || got != token) {
      ok = false;
      missing += (missing.empty() ? "" : ", ") + dir;
    }
  }
  return ok;
}

}  // namespace

void check_persistent_workspace(CheckContext& ctx, Cell& cell) {
  EvidenceRecorder rec(ctx, cell);
  const fs::path ws = ctx.scratch() / "workspace";
  const fs::path home = ctx.scratch() / "home";
  fs::create_directories(ws);
  fs::create_directories(home);
  Places at;
  at.home = support::home_target("");
  const std::string token = ctx.run().run_id + "/" + ctx.column().id;

  auto spec_for = [&](const std::string& name) {
    SandboxSpec s = ctx.spec(name, "persistent-workspace");
    s.workspace = ws.string();
    s.home = home.string();
    return s;
  };

  // First sandbox: write, stop/start, read.
  const std::string first = ctx.name("workspace");
  bool survived_restart = false;
  std::string missing_restart;
  {
    SandboxLease lease(rec, first);
    rec.create(spec_for(first), true);
    for (const std::string& dir : {at.workspace, at.home}) {
      ExecResult w = rec.sh(first, "echo \"$1\" > \"$2\"", {token, kMarker}, 20, dir);
      if (w.exit_code != 0) {
        rec.decide(Verdict::no, "cannot write to " + dir + " in the sandbox: " + support::last_line(w.stderr_data));
        return;
      }
    }
    const std::string host_ws = detail::read_host_file(ws / kMarker);
    const std::string host_home = detail::read_host_file(home / kMarker);
    rec.fact("host", "read " + (ws / kMarker).string() + " and " + (home / kMarker).string() + " on the host",
             host_ws + "\n" + host_home, host_ws == token && host_home == token);
    cell.facts["host_sees_writes"] = host_ws == token && host_home == token;

    rec.stop(first);
    rec.start(first);
    survived_restart = both_hold(rec, first, at, token, missing_restart);
  }  // the first sandbox is removed here, before the second is created

  // A new sandbox with the same directories.
  const std::string second = ctx.name("workspace");
  bool survived_recreate = false;
  std::string missing_recreate;
  {
    SandboxLease lease(rec, second);
    rec.create(spec_for(second), true);
    survived_recreate = both_hold(rec, second, at, token, missing_recreate);
  }
  cell.facts["survives_stop_start"] = survived_restart;
  cell.facts["survives_recreate"] = survived_recreate;

  const std::string places = "/workspace and " + at.home;
  if (survived_restart && survived_recreate)
    rec.decide(Verdict::yes, "files in " + places + " survived stop/start and a re-create with the same host dirs");
  else if (survived_restart)
    rec.decide(Verdict::partial, "files survived stop/start but not a re-create (missing: " + missing_recreate + ")");
  else if (survived_recreate)
    rec.decide(Verdict::partial, "files survived a re-create but not stop/start (missing: " + missing_restart + ")");
  else
    rec.decide(Verdict::no, "files in " + places + " were lost (after stop/start: " + missing_restart +
                                "; after re-create: " + missing_recreate + ")");
}

}  // namespace moat::matrix
