// Bind mounts: a host directory bound read-write shows the host's file with
// its ownership, takes a write from inside (whose owner the host then sees:
// the uid/gid mapping, both ways), and a read-only bind refuses writes.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>

#include "check_helpers.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace moat::matrix {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRwTarget = "/mnt/moat-rw";
constexpr const char* kRoTarget = "/mnt/moat-ro";
// The owner given to the host's file: an ordinary user, not root, so the
// sandbox shows whether ids pass through unchanged.
constexpr unsigned kHostUid = 1000;
constexpr unsigned kHostGid = 1000;

// $1 = rw target, $2 = ro target, $3 = what to write. key=value lines.
constexpr const char* kInside = R"sh(
echo "host_file=$(cat "$1/from-host" 2>&1)"
echo "host_file_owner=$(stat -c '%u:%g' "$1/from-host" 2>&1)"
echo "sandbox_ids=$(id -u):$(id -g)"
if msg=$( { echo "$3" > "$1/from-sandbox"; } 2>&1 ); then echo "rw_write=ok"; else echo "rw_write=failed: $msg"; fi
if msg=$( { echo x > "$2/should-fail"; } 2>&1 ); then echo "ro_write=succeeded"; else echo "ro_write=refused: $msg"; fi
echo "ro_read=$(cat "$2/ro-file" 2>&1)"
)sh";

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text << '\n';
  if (!out) throw moat::Error(MOAT_E_FAILED, "cannot write " + p.string() + " on the host");
}

}  // namespace

void check_bind_mounts(CheckContext& ctx, Cell& cell) {
  EvidenceRecorder rec(ctx, cell);
  const fs::path rw = ctx.scratch() / "bind-rw";
  const fs::path ro = ctx.scratch() / "bind-ro";
  fs::create_directories(rw);
  fs::create_directories(ro);
  const std::string token = ctx.run().run_id + "/" + ctx.column().id;
  write_file(rw / "from-host", token);
  write_file(ro / "ro-file", token);
  // Everyone may write the rw dir: whether the sandbox's root can write is a
  // question of the mapping, not of this directory's mode.
  fs::permissions(rw, fs::perms::all);
  const bool chowned = ::chown((rw / "from-host").c_str(), kHostUid, kHostGid) == 0;
  const std::string host_owner = chowned ? std::to_string(kHostUid) + ":" + std::to_string(kHostGid)
                                         : std::to_string(::getuid()) + ":" + std::to_string(::getgid());
  rec.fact("host",
           "created " + (rw / "from-host").string() + " owned by " + host_owner + ", and " + (ro / "ro-file").string(),
           token);

  const std::string name = ctx.name("bind");
  SandboxLease lease(rec, name);
  SandboxSpec spec = ctx.spec(name, "bind-mounts");
  spec.mounts.push_back({"bind", rw.string(), kRwTarget, false});
  spec.mounts.push_back({"bind", ro.string(), kRoTarget, true});
  try {
    rec.create(spec, true);
  } catch (const moat::Error& e) {
    rec.decide(Verdict::no, std::string("a sandbox with two bind mounts could not be created: ") + e.what());
    return;
  }
  ExecResult r = rec.sh(name, kInside, {kRwTarget, kRoTarget, token}, 30);
  auto kv = detail::key_values(r.stdout_data);
  for (const auto& [k, v] : kv) cell.facts[k] = v;

  // What the host sees of the sandbox's write.
  struct stat st {};
  const fs::path written = rw / "from-sandbox";
  const bool host_sees = ::stat(written.c_str(), &st) == 0 && detail::read_host_file(written) == token;
  const std::string written_owner = host_sees ? std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) : "";
  rec.fact("host", "stat " + written.string() + " on the host",
           host_sees ? "owner " + written_owner + ", content matches" : "absent or different", host_sees);
  cell.facts["host_owner_of_host_file"] = host_owner;
  cell.facts["host_owner_of_sandbox_file"] = written_owner;
  const std::string mapping = "sandbox " + kv["sandbox_ids"] + " writes as host " +
                              (written_owner.empty() ? std::string("?") : written_owner) + "; host " + host_owner +
                              " shows inside as " + kv["host_file_owner"];
  cell.facts["mapping"] = mapping;

  const bool visible = kv["host_file"] == token;
  const bool owner_kept = kv["host_file_owner"] == host_owner;
  const bool wrote = kv["rw_write"] == "ok" && host_sees;
  const bool ro_enforced = kv["ro_write"].rfind("refused", 0) == 0;
  const bool ro_readable = kv["ro_read"] == token;

  if (!visible) {
    rec.decide(Verdict::no, "the host directory's file is not visible inside: " + kv["host_file"]);
    return;
  }
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (!wrote) add("a write from inside did not reach the host (" + kv["rw_write"] + ")");
  if (!ro_enforced) add("the read-only bind accepted a write");
  if (!ro_readable) add("the read-only bind is not readable");
  if (!owner_kept) add("ownership is not kept (host " + host_owner + " shows as " + kv["host_file_owner"] + ")");
  if (problems.empty())
    rec.decide(Verdict::yes, "read-write and read-only binds work; " + mapping);
  else
    rec.decide(Verdict::partial, problems + "; " + mapping);
}

}  // namespace moat::matrix
