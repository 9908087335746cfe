#!/usr/bin/env bash
# check_schemas.sh MOAT [SCHEMA_DIR]
# Runs every command that prints a JSON document with the real binary and
# validates what it printed against docs/schemas/*.schema.json (draft
# 2020-12). A failure names the command, the schema, the path in the document,
# the path in the schema and the validator's message.
#
# Talks to the real Docker engine: everything it creates carries
# moat.managed=true (moat adds it) and moat.run-id=<this run's id>, and is
# removed on exit, also on failure or Ctrl-C (trap).
set -uo pipefail

moat=${1:?usage: check_schemas.sh MOAT [SCHEMA_DIR]}
schemas=${2:-$(cd "$(dirname "$0")/../../docs/schemas" && pwd)}
python=${PYTHON:-python3}

status=0
fail() { echo "FAIL: $*" >&2; status=1; }

[ -x "$moat" ] || { echo "FAIL: $moat is not an executable" >&2; exit 1; }
"$python" -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null ||
  { echo "FAIL: $python has no jsonschema with draft 2020-12 (apt-get install python3-jsonschema)" >&2; exit 1; }

run_id="schema-test-$$-$(date +%s)"
work=$(mktemp -d "${TMPDIR:-/tmp}/moat-schemas.XXXXXX")
sandbox="moat-schemas-$$-runc"
host_sandbox="moat-schemas-$$-host"
# Run ids whose leftovers the trap sweeps: ours, the bench runs', the matrix's.
gc_ids=("$run_id")

# shellcheck disable=SC2317  # called by the trap
cleanup() {
  local id
  for id in "${gc_ids[@]}"; do
    "$moat" gc --run-id "$id" -q >/dev/null 2>&1 || echo "WARN: moat gc --run-id $id failed" >&2
  done
  # After the sandboxes: a snapshot is kept on purpose (only its own rm or
  # gc --all takes it), and a network with a sandbox on it stays.
  "$moat" snapshot rm "moat-schemas-$$-snap" -q >/dev/null 2>&1
  "$moat" network rm "moat-schemas-$$-net" -q >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# validate SCHEMA FILE WHAT: FILE must be one JSON document SCHEMA accepts.
declare -A used=()
validate() {
  local schema=$schemas/$1 file=$2 what=$3
  used[$1]=1
  if "$python" - "$schema" "$file" <<'EOF'; then echo "ok: $what ($1)"; else fail "$what does not match $1"; fi
import json, sys
from jsonschema import Draft202012Validator
schema_path, doc_path = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)
Draft202012Validator.check_schema(schema)
try:
    with open(doc_path) as f:
        doc = json.load(f)
except ValueError as e:
    print(f"  {doc_path}: not one JSON document: {e}", file=sys.stderr)
    sys.exit(1)
errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors:
    where = "/" + "/".join(str(p) for p in e.absolute_path)
    rule = "/" + "/".join(str(p) for p in e.absolute_schema_path)
    print(f"  {schema_path}\n    at document {where}\n    schema rule {rule}\n    {e.message[:500]}", file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
}

# check SCHEMA WHAT EXPECTED_RC... -- ARGS...: runs moat ARGS, stdout to a file,
# requires one of the exit codes, then validates the output.
n=0
check() {
  local schema=$1 what=$2 rcs=() rc out
  shift 2
  while [ "$1" != "--" ]; do rcs+=("$1"); shift; done
  shift
  out=$work/out-$((n += 1)).json
  "$moat" "$@" >"$out" 2>"$out.err"
  rc=$?
  if [[ " ${rcs[*]} " != *" $rc "* ]]; then
    fail "moat $* exited $rc (expected ${rcs[*]}): $(tail -n 3 "$out.err")"
    return 1
  fi
  validate "$schema" "$out" "$what"
}

# The validator must reject what a closed schema does not allow, or every
# "ok" below means nothing.
printf '{"version": "0", "plugin_abi": {"major": 1, "minor": 0}, "schema_version": 1, "build": {"compiler": "", "build_type": "", "cxx_standard": 0, "libraries": {"boost": "", "nlohmann_json": "", "spdlog": "", "fmt": ""}}, "unexpected": 1}\n' >"$work/bad.json"
if "$python" - "$schemas/version.schema.json" "$work/bad.json" <<'EOF' 2>/dev/null; then fail "the validator accepted an unknown key"; fi
import json, sys
from jsonschema import Draft202012Validator
Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
EOF

check version.schema.json "moat version" 0 -- version -o json
check plugins-list.schema.json "moat plugins list" 0 -- plugins list -o json
check runtimes.schema.json "moat runtimes" 0 -- runtimes -o json
# 1 when some plugin failed: the document still says which and why.
check plugins-check.schema.json "moat plugins check" 0 1 -- plugins check -o json
# A file that is no plugin: a failed record (no id, no ABI). Its verdict goes
# to a cache of our own, not the user's.
mkdir -p "$work/bogus" && echo "not a plugin" >"$work/bogus/moat-bogus.so"
XDG_CACHE_HOME=$work/cache check plugins-list.schema.json "moat plugins list (with a broken plugin)" 0 -- \
  --plugin-path "$work/bogus" plugins list -o json
XDG_CACHE_HOME=$work/cache check plugins-check.schema.json "moat plugins check FILE (a broken plugin)" 1 -- \
  plugins check "$work/bogus/moat-bogus.so" -o json

# Every plugin found, usable or not (69: loaded but could not describe itself).
mapfile -t plugin_ids < <("$python" -c 'import json,sys; [print(p["id"]) for p in json.load(sys.stdin)["plugins"] if p["id"]]' \
  < <("$moat" plugins list -o json 2>/dev/null))
[ "${#plugin_ids[@]}" -gt 0 ] || fail "moat plugins list found no plugin with an id"
for id in "${plugin_ids[@]}"; do
  check plugins-info.schema.json "moat plugins info $id" 0 69 -- plugins info "$id" -o json
done

check image-prepare.schema.json "moat image prepare base" 0 -- image prepare base -o json

# Sandboxes: an engine one (runc when available, for logs and networks) and
# the host runtime's (mounts, no engine runtime).
available=$("$moat" runtimes -q 2>/dev/null)
engine_runtime=runc
grep -qx runc <<<"$available" || engine_runtime=$(grep -vx host <<<"$available" | head -n 1)
created=()
# Limits, a restart policy and (where the runtime networks) a published
# port, so the documents carry ABI 1.1's fields too.
abi_1_1=(--memory 64m --cpus 1 --pids-limit 200 --restart unless-stopped)
[ "$engine_runtime" = runc ] && abi_1_1+=(--publish 127.0.0.1::8080)
if [ -n "$engine_runtime" ]; then
  if check sandbox.schema.json "moat sandbox create --start ($engine_runtime)" 0 -- sandbox create "$sandbox" \
    --runtime "$engine_runtime" --image moat/base:busybox --label "moat.run-id=$run_id" "${abi_1_1[@]}" --start \
    -o json; then
    created+=("$sandbox")
  fi
else
  fail "no Docker-backed runtime is available: cannot check the sandbox documents of one"
fi
if grep -qx host <<<"$available"; then
  check sandbox.schema.json "moat sandbox create (host)" 0 -- sandbox create "$host_sandbox" --runtime host \
    --image moat/base:busybox --label "moat.run-id=$run_id" -o json && created+=("$host_sandbox")
fi
# 69 when some runtime (e.g. one whose engine runtime is missing) cannot list.
check sandbox-ls.schema.json "moat sandbox ls" 0 69 -- sandbox ls -o json
for s in "${created[@]}"; do
  check sandbox.schema.json "moat sandbox inspect $s" 0 -- sandbox inspect "$s" -o json
  check sandbox.schema.json "moat sandbox start $s" 0 -- sandbox start "$s" -o json
  check sandbox-exec.schema.json "moat sandbox exec $s" 0 -- sandbox exec "$s" -o json -- echo schema
  check sandbox.schema.json "moat sandbox restart $s" 0 -- sandbox restart "$s" -o json
  check sandbox.schema.json "moat sandbox stop $s" 0 -- sandbox stop "$s" -o json
done
if [[ " ${created[*]} " == *" $sandbox "* ]]; then
  # Networks and snapshots of the engine sandbox; each removed again here,
  # and labelled so that what a failure leaves is gc's to find.
  net="moat-schemas-$$-net"
  snap="moat-schemas-$$-snap"
  restored="moat-schemas-$$-restored"
  if check network.schema.json "moat network create" 0 -- network create "$net" --runtime "$engine_runtime" \
    --label "moat-schemas=$run_id" -o json; then
    check network.schema.json "moat network connect" 0 -- network connect "$net" "$sandbox" -o json
    check network.schema.json "moat network ls" 0 -- network ls -o json
    check network.schema.json "moat network disconnect" 0 -- network disconnect "$net" "$sandbox" -o json
    check network.schema.json "moat network rm" 0 -- network rm "$net" -o json
  fi
  if check snapshot.schema.json "moat sandbox snapshot" 0 -- sandbox snapshot "$sandbox" "$snap" -o json; then
    check snapshot.schema.json "moat snapshot ls" 0 -- snapshot ls -o json
    check sandbox.schema.json "moat sandbox restore" 0 -- sandbox restore "$snap" "$restored" \
      --label "moat.run-id=$run_id" -o json
    "$moat" sandbox rm "$restored" -q >/dev/null 2>&1
    check snapshot.schema.json "moat snapshot rm" 0 -- snapshot rm "$snap" -o json
  fi
  check sandbox-logs.schema.json "moat sandbox logs $sandbox" 0 -- sandbox logs "$sandbox" -o json
  check sandbox-rm.schema.json "moat sandbox rm $sandbox" 0 -- sandbox rm "$sandbox" -o json
fi
# What is left (the host sandbox) is gc's to find.
check gc.schema.json "moat gc --dry-run" 0 -- gc --run-id "$run_id" --dry-run -o json
check gc.schema.json "moat gc" 0 -- gc --run-id "$run_id" -o json

# Two tiny benchmark runs on the host runtime, compared; the matrix ranks
# with the second one's figures.
for b in 1 2; do
  gc_ids+=("$run_id-b$b")
  check bench.schema.json "moat bench (run $b)" 0 -- bench --runtimes host --suite boot --repetitions 3 \
    --warmup 0 --seed "$b" --run-id "$run_id-b$b" --out "$work/bench-$b" -o json
  validate results.schema.json "$work/bench-$b/results.json" "moat bench results.json (run $b)"
done
check analysis.schema.json "moat report --format json" 0 -- report "$work/bench-1/results.json" --format json
check compare.schema.json "moat compare --format json" 0 1 -- compare "$work/bench-1/results.json" \
  "$work/bench-2/results.json" --format json

# firecracker has no plugin: its cells are the documented ones, so their shape is checked too.
matrix_runtimes=host,firecracker${engine_runtime:+,$engine_runtime}
if "$moat" matrix --runtimes "$matrix_runtimes" --require persistent-workspace --boot-samples 1 --timeout 60 \
  --results "$work/bench-2/results.json" --json "$work/matrix.json" -o json >"$work/matrix.stdout" 2>"$work/matrix.err"; then
  validate matrix.schema.json "$work/matrix.json" "moat matrix --json FILE"
  validate matrix.schema.json "$work/matrix.stdout" "moat matrix -o json"
else
  fail "moat matrix: $(tail -n 3 "$work/matrix.err")"
fi
# The matrix removes what it made; sweep its run id anyway should it not have.
matrix_id=$(sed -n 's/.*(run \([^)]*\))$/\1/p' "$work/matrix.err" | tail -n 1)
[ -n "$matrix_id" ] && gc_ids+=("$matrix_id")

# A schema no command is checked against would drift unnoticed.
for f in "$schemas"/*.schema.json; do
  [ -n "${used[$(basename "$f")]:-}" ] || fail "$(basename "$f") is checked against no real output here"
done

[ "$status" -eq 0 ] && echo "all JSON documents match their schemas"
exit "$status"
