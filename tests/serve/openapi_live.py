"""docs/openapi.json against the live `moat serve`: the server serves the
same document, and every operation it lists answers with a status the
document lists for it and a body that validates against the document's
schema for that status (python3-jsonschema). Operations on a named object
are called with a name that does not exist, so nothing is created.
Usage: openapi_live.py DOCS/OPENAPI.JSON (under with-server.sh)."""
import copy
import json
import sys

import jsonschema

from serve_client import call, check, exit_with_failures

with open(sys.argv[1]) as f:
    doc = json.load(f)
def as_json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema: nullable becomes a "null" type."""
    if isinstance(node, list):
        return [as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    elif node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


root = as_json_schema(copy.deepcopy(doc))
resolver = jsonschema.RefResolver.from_schema(root)

status, served = call("GET", "/openapi.json")
check(status == 200 and served == doc, "GET /openapi.json is not docs/openapi.json")

MISSING = "msv-openapi-missing"
BODIES = {  # a body for operations that need one: valid JSON, refused or answered without creating anything
    ("post", "/sandboxes"): {},
    ("post", "/networks"): {},
    ("post", "/sandboxes/{name}/exec"): {"argv": ["true"]},
    ("post", "/sandboxes/{name}/snapshot"): {"snapshot": MISSING + "-snap"},
    ("post", "/snapshots/{name}/restore"): {"name": MISSING + "-new"},
}
checked = 0
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        if method == "parameters":
            continue
        target = path.replace("{name}", MISSING).replace("{network}", MISSING + "-net")
        if path.endswith("/exec/ws"):
            target += "?cmd=true"
        status, body = call(method.upper(), target, BODIES.get((method, path)))
        documented = op.get("responses", {})
        where = f"{method.upper()} {target}"
        check(str(status) in documented, f"{where}: status {status} is not documented ({sorted(documented)}): {body}")
        content = documented.get(str(status), {}).get("content", {}).get("application/json", {})
        schema = content.get("schema")
        if schema is not None and body is not None:
            try:
                jsonschema.validate(body, as_json_schema(schema), resolver=resolver)
            except jsonschema.ValidationError as e:
                check(False, f"{where}: the {status} body does not match the document: {e.message}")
        checked += 1

exit_with_failures(f"openapi_live, in {checked} operations")
print(f"openapi_live: {checked} operations answer as documented")
