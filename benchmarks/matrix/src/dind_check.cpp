// Docker inside the sandbox: an inner dockerd, an inner `docker build` of a
// tiny image FROM scratch (a static binary from the image and a file: no
// registry is reachable), `docker run` of it, and - after a stop/start of the
// sandbox - whether the built image is still there.
#include <moat/matrix/checks.hpp>
#include <moat/matrix/evidence_recorder.hpp>
#include <moat/support/text.hpp>

#include <sstream>

namespace moat::matrix {

namespace {

// Without the runtime's DinD mode: start dockerd by hand, as a user of a
// plain sandbox would, and wait for it to answer ($1 seconds at most).
constexpr const char* kStartByHand = R"sh(
command -v dockerd >/dev/null 2>&1 || { echo "dockerd is not in the image" >&2; exit 127; }
dockerd >/var/log/moat-matrix-dockerd.log 2>&1 </dev/null &
pid=$!
n=0
while ! docker info >/dev/null 2>&1; do
  if [ ! -d "/proc/$pid" ] || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
    echo "the inner dockerd exited; its log ends with:" >&2
    tail -n 4 /var/log/moat-matrix-dockerd.log >&2
    exit 1
  fi
  n=$((n+1))
  if [ "$n" -gt $(($1*5)) ]; then
    echo "the inner dockerd did not answer within $1 s; its log ends with:" >&2
    tail -n 4 /var/log/moat-matrix-dockerd.log >&2
    exit 1
  fi
  sleep 0.2
done
)sh";

// $1 = tag. FROM scratch with tini-static (shipped with docker.io) and a file.
constexpr const char* kBuild = R"sh(
set -e
bin=$(command -v tini-static || true)
[ -n "$bin" ] || { echo "no static binary (tini-static) in the image to build an image FROM scratch with" >&2; exit 127; }
ctx=$(mktemp -d)
cp "$bin" "$ctx/tini"
echo "built inside by moat matrix ($1)" > "$ctx/hello.txt"
printf 'FROM scratch\nCOPY tini /tini\nCOPY hello.txt /hello.txt\nENTRYPOINT ["/tini", "--version"]\n' > "$ctx/Dockerfile"
docker build -t "$1" "$ctx"
rm -rf "$ctx"
)sh";

constexpr const char* kDockerMount = R"sh(awk '$2 == "/var/lib/docker" {print $3 " (" $1 ")"}' /proc/mounts)sh";

// The line that says why: dockerd's fatal line, not a wrapped continuation
// like "(exit status 4)" that happens to come last.
std::string why(const ExecResult& r) {
  const std::string text = support::trim(r.stderr_data.empty() ? r.stdout_data : r.stderr_data);
  if (text.empty()) return "exit code " + std::to_string(r.exit_code);
  std::istringstream in(text);
  std::string best, last;
  for (std::string line; std::getline(in, line);) {
    line = support::trim(line);
    if (line.empty()) continue;
    last = line;
    if (line.find("failed to start daemon") != std::string::npos || line.rfind("Error", 0) == 0 ||
        line.rfind("ERROR", 0) == 0 || line.find("level=fatal") != std::string::npos)
      best = line;
  }
  return best.empty() ? last : best;
}

// dockerd's own reason out of a longer error text ("... | failed to start
// daemon: Devices cgroup isn't mounted"); the text itself when it has none.
std::string key_error(const std::string& text) {
  const auto at = text.find("failed to start daemon");
  if (at == std::string::npos) return text;
  const auto end = text.find_first_of("\n|", at);
  return "the inner dockerd " + support::trim(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
}

}  // namespace

void check_docker_in_docker(CheckContext& ctx, Cell& dind, Cell& persistent) {
  EvidenceRecorder rec(ctx, dind);
  const std::string name = ctx.name("dind");
  SandboxLease lease(rec, name);
  const SandboxSpec spec = ctx.spec(name, "docker-in-docker", true);
  const bool mode = spec.dind;
  dind.facts["dind_mode"] = mode;
  persistent.facts["dind_mode"] = mode;
  const std::string needs = "needs a working inner Docker engine, and ";
  // When Docker inside fails, the same commands decide both cells.
  auto fail_both = [&](const std::string& text, const std::string& persistent_text) {
    rec.decide(Verdict::no, text);
    persistent.steps = dind.steps;
    persistent.verdict = Verdict::no;
    persistent.summary = needs + persistent_text;
  };

  try {
    rec.create(spec, true);
  } catch (const moat::Error& e) {
    // With the DinD mode the plugin starts the inner dockerd as part of start:
    // its failure is the answer (the full message is in the create step).
    const std::string what =
        (mode ? "the sandbox in the runtime's DinD mode did not start: " : "the sandbox did not start: ") +
        key_error(e.what());
    fail_both(what, "docker-in-docker failed: " + what);
    return;
  }
  if (!mode) {
    ExecResult up = rec.sh(name, kStartByHand, {"20"}, 40);
    if (up.exit_code != 0) {
      const std::string text = "without a DinD mode the inner dockerd does not start: " + why(up);
      fail_both(text, "docker-in-docker failed: " + text);
      return;
    }
  }
  ExecResult info = rec.exec(name, {"docker", "info", "--format", "{{.ServerVersion}} {{.Driver}}"}, 30);
  if (info.exit_code != 0) {
    fail_both("the inner Docker engine does not answer: " + why(info), "the inner engine does not answer");
    return;
  }
  dind.facts["inner_engine"] = support::trim(info.stdout_data);
  ExecResult mount = rec.sh(name, kDockerMount, {}, 15);
  dind.facts["var_lib_docker"] = support::trim(mount.stdout_data);
  persistent.facts["var_lib_docker"] = support::trim(mount.stdout_data);

  const std::string tag = "moat-matrix/probe:" + ctx.run().run_id;
  ExecResult build = rec.sh(name, kBuild, {tag}, 120);
  const bool built = build.exit_code == 0;
  std::string image_id;
  bool ran = false;
  ExecResult run;
  if (built) {
    ExecResult id = rec.exec(name, {"docker", "image", "inspect", "--format", "{{.Id}}", tag}, 30);
    image_id = support::trim(id.stdout_data);
    dind.facts["inner_image"] = {{"tag", tag}, {"id", image_id}};
    run = rec.exec(name, {"docker", "run", "--rm", "--network", "none", tag}, 60);
    ran = run.exit_code == 0 && run.stdout_data.find("tini version") != std::string::npos;
    dind.facts["inner_run_output"] = support::trim(run.stdout_data);
  }
  const std::string engine =
      "inner dockerd " + support::trim(info.stdout_data) + (mode ? " (DinD mode)" : " (started by hand)");
  if (built && ran)
    rec.decide(Verdict::yes, engine + ": docker build FROM scratch and docker run succeeded");
  else if (built)
    rec.decide(Verdict::partial, engine + " builds, but docker run failed: " + why(run));
  else
    rec.decide(Verdict::partial, engine + " is up, but docker build failed: " + why(build));

  // ---- persistent-dind: the same sandbox, stopped and started again ----
  EvidenceRecorder prec(ctx, persistent);
  if (!built) {
    persistent.steps = dind.steps;
    prec.decide(Verdict::no, needs + "nothing could be built inside to check: " + why(build));
    return;
  }
  prec.stop(name);
  try {
    prec.start(name);
  } catch (const moat::Error& e) {
    prec.decide(Verdict::no, std::string("the sandbox did not start again: ") + e.what());
    return;
  }
  if (!mode) {
    ExecResult up = prec.sh(name, kStartByHand, {"20"}, 40);
    if (up.exit_code != 0) {
      prec.decide(Verdict::no, "after the restart the inner dockerd does not start: " + why(up));
      return;
    }
  }
  ExecResult after = prec.exec(name, {"docker", "image", "inspect", "--format", "{{.Id}}", tag}, 30);
  const std::string after_id = support::trim(after.stdout_data);
  persistent.facts["inner_image_before"] = image_id;
  persistent.facts["inner_image_after"] = after.exit_code == 0 ? after_id : "";
  const std::string store = support::trim(mount.stdout_data);
  const std::string where = store.empty() ? "the sandbox's own filesystem" : store;
  if (after.exit_code == 0 && after_id == image_id)
    prec.decide(Verdict::yes,
                "the inner image " + tag + " is still there after stop/start (/var/lib/docker on " + where + ")");
  else if (after.exit_code == 0)
    prec.decide(Verdict::partial, "an image tagged " + tag + " exists after stop/start, but with another id");
  else
    prec.decide(Verdict::no,
                "the inner image is gone after stop/start (/var/lib/docker on " + where + "): " + why(after));
}

}  // namespace moat::matrix
