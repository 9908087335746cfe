#!/usr/bin/env bash
# rest_lifecycle.sh RUNTIME: a sandbox's life through `moat serve`'s REST API
# with curl, as a platform drives it: create with a workspace bind and
# labels, exec (output and exit code), inspect, list, stop, start, restart,
# logs, remove; and the refusals: each error is the CLI's code and message.
# Run under with-server.sh. Leaves nothing: checked at the end.
set -euo pipefail

runtime=$1
run_id="test_serve_rest_${runtime}_$$"
name="msv-rest-${runtime}-$$"
image=moat/base:busybox
workspace=$(mktemp -d /tmp/moat-serve-ws.XXXXXX)
failures=0

status=
body=
api() {  # api METHOD PATH [REQUEST_BODY]: sets $body and $status
  local method=$1 path=$2 request=${3:-} out
  out=$(curl -s --unix-socket "$MOAT_SOCKET" -X "$method" -w '\n%{http_code}' \
    ${request:+-H 'Content-Type: application/json' --data-binary "$request"} "http://moat${path}")
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_status() {  # expect_status WANT WHAT
  [[ $status == "$1" ]] || fail "$2: HTTP $status, want $1"
}
cli() { "$MOAT_BIN" --config "$MOAT_CONFIG" "$@"; }

cleanup() {
  api DELETE "/sandboxes/${name}" || true
  rm -rf "$workspace"
}
trap cleanup EXIT

spec=$(jq -cn --arg n "$name" --arg r "$runtime" --arg i "$image" --arg w "$workspace" --arg id "$run_id" \
  '{name: $n, runtime: $r, image: $i, workspace: $w, labels: {"moat.run-id": $id, "platform.user": "alice"}}')
api POST /sandboxes "$spec"
expect_status 201 "create"
[[ $(jq -r .sandbox.runtime <<<"$body") == "$runtime" ]] || fail "create: runtime is not ${runtime}: $body"
[[ $(jq -r .sandbox.running <<<"$body") == true ]] || fail "create: not running: $body"
[[ $(jq -r '.sandbox.labels["platform.user"]' <<<"$body") == alice ]] || fail "create: label lost: $body"

# workdir /workspace: the host runtime maps it onto the workspace directory.
api POST "/sandboxes/${name}/exec" '{"argv": ["sh", "-c", "echo hi > f; cat f; echo oops >&2; exit 4"], "workdir": "/workspace"}'
expect_status 200 "exec"
[[ $(jq -r .stdout <<<"$body") == hi && $(jq -r .stderr <<<"$body") == oops && $(jq -r .exit_code <<<"$body") == 4 ]] ||
  fail "exec: $body"
[[ $(cat "$workspace/f" 2>/dev/null) == hi ]] || fail "exec: the workspace bind did not reach the host"

api GET "/sandboxes/${name}"
expect_status 200 "inspect"
[[ $(jq -r .sandbox.name <<<"$body") == "$name" ]] || fail "inspect: $body"
api GET /sandboxes
jq -e --arg n "$name" '.sandboxes | map(.name) | index($n) != null' <<<"$body" >/dev/null || fail "list: ${name} missing"

api POST "/sandboxes/${name}/stop?timeout=2"
expect_status 200 "stop"
[[ $(jq -r .sandbox.running <<<"$body") == false ]] || fail "stop: still running: $body"
api POST "/sandboxes/${name}/start"
expect_status 200 "start"
[[ $(jq -r .sandbox.running <<<"$body") == true ]] || fail "start: not running: $body"
api POST "/sandboxes/${name}/restart?timeout=2"
expect_status 200 "restart"
[[ $(jq -r .sandbox.running <<<"$body") == true ]] || fail "restart: not running: $body"
api POST "/sandboxes/${name}/exec" '{"argv": ["cat", "f"], "workdir": "/workspace"}'
[[ $(jq -r .stdout <<<"$body") == hi ]] || fail "the workspace did not survive the restart: $body"
api GET "/sandboxes/${name}/logs?tail=10"
if [[ $runtime == host ]]; then
  logs_status=$status logs_body=$body  # the host runtime keeps no logs: checked below, against the CLI
else
  expect_status 200 "logs"
  jq -e 'has("stdout") and has("stderr")' <<<"$body" >/dev/null || fail "logs: $body"
fi

# Refusals carry the CLI's code and its one-line message.
compare_with_cli() {  # compare_with_cli WHAT HTTP_STATUS CODE -- CLI ARGS...
  local what=$1 want_status=$2 want_code=$3 cli_line
  shift 4
  expect_status "$want_status" "$what"
  [[ $(jq -r .error.code <<<"$body") == "$want_code" ]] || fail "${what}: code: $body"
  cli_line=$(cli "$@" 2>&1 >/dev/null || true)
  [[ "moat: $(jq -r .error.message <<<"$body")" == "$cli_line" ]] ||
    fail "${what}: API says '$(jq -r .error.message <<<"$body")', the CLI '${cli_line}'"
}
if [[ $runtime == host ]]; then
  status=$logs_status body=$logs_body
  compare_with_cli "logs on host" 501 unsupported -- sandbox logs "$name"
fi
api POST /sandboxes "$spec"
compare_with_cli "create taken name" 409 conflict -- sandbox create "$name" --runtime "$runtime" --image "$image" \
  --workspace "$workspace" --label "moat.run-id=${run_id}" --label platform.user=alice
api POST /sandboxes "$(jq -c '.name = "msv-BAD NAME"' <<<"$spec")"
compare_with_cli "create bad name" 400 invalid -- sandbox create "msv-BAD NAME" --runtime "$runtime" --image "$image"
api POST /sandboxes "$(jq -c '.colour = "blue"' <<<"$spec")"
expect_status 400 "create with an unknown field"
[[ $(jq -r .error.message <<<"$body") == *"unknown field 'colour'"* ]] || fail "unknown field: $body"

api DELETE "/sandboxes/${name}"
expect_status 200 "remove"
api GET "/sandboxes/${name}"
compare_with_cli "inspect removed" 404 not-found -- sandbox inspect "$name"
api POST "/sandboxes/${name}/exec" '{"argv": ["true"]}'
compare_with_cli "exec in removed" 404 not-found -- sandbox exec "$name" -- true

left=$(docker ps -aq --filter "label=moat.run-id=${run_id}" | wc -l)
((left == 0)) || fail "${left} container(s) of ${run_id} left in the engine"
left=$(docker volume ls -q --filter "label=moat.run-id=${run_id}" | wc -l)
((left == 0)) || fail "${left} volume(s) of ${run_id} left in the engine"

if ((failures > 0)); then
  echo "rest_lifecycle ${runtime}: ${failures} failure(s)" >&2
  exit 1
fi
echo "rest_lifecycle ${runtime}: ok"
