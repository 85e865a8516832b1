"""Validates Finicity response bodies against the JSON Schemas in finicity-microentry.yaml.

Reads a JSON list on stdin: [{"operation": "InitiateMicroAmountDeposits", "status": 200,
"body": {...}}, ...]. For each, the response declared for that operationId and status is
looked up, its application/json schema resolved ($refs inlined from the spec itself) and the
body validated with jsonschema (Draft 4, the dialect OpenAPI 3.0 schemas are based on). Error
bodies (4xx) are also validated against ErrorMessage, since Pennydrop sends Finicity's
{code, message} on every error. Success bodies must not carry properties the schema does not
declare (catches misspelled fields). Prints one line per problem; exits 1 if there was any.

One deliberate patch: ErrorMessage.code is declared `type: object`, yet its description says
"can be returned as a number or a string" and every example in the spec is a string, so it is
validated as string-or-integer.
"""

import copy
import json
import pathlib
import sys

import jsonschema
import yaml

SPEC_PATH = pathlib.Path(__file__).with_name("finicity-microentry.yaml")
OPENAPI_ONLY = {"example", "examples", "nullable", "discriminator", "xml", "externalDocs",
                "deprecated", "readOnly", "writeOnly"}


def load_spec():
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    code = spec["components"]["schemas"]["ErrorMessage"]["properties"]["code"]
    code.pop("type", None)
    code["type"] = ["string", "integer"]
    return spec


def resolve(spec, node, seen=()):
    """Inlines every local $ref and strips OpenAPI-only keywords."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"external $ref {ref} is not supported")
            if ref in seen:
                raise ValueError(f"recursive $ref {ref}")
            target = spec
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(spec, copy.deepcopy(target), seen + (ref,))
        return {k: resolve(spec, v, seen) for k, v in node.items() if k not in OPENAPI_ONLY}
    if isinstance(node, list):
        return [resolve(spec, v, seen) for v in node]
    return node


def operations(spec):
    out = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = op
    return out


def response_schema(spec, op, status):
    responses = op["responses"]
    response = responses.get(str(status)) or responses.get("default")
    if response is None:
        return None, f"status {status} is not declared (declared: {sorted(responses)})"
    response = resolve(spec, response)
    content = response.get("content")
    if not content:
        return None, f"status {status} declares no body"
    media = content.get("application/json")
    if media is None:
        return None, f"status {status} declares no application/json body"
    return media["schema"], None


def undeclared(schema, body):
    if not isinstance(body, dict) or "properties" not in schema:
        return []
    return sorted(set(body) - set(schema["properties"]))


def main():
    spec = load_spec()
    ops = operations(spec)
    error_schema = resolve(spec, spec["components"]["schemas"]["ErrorMessage"])
    items = json.load(sys.stdin)
    problems = []
    for i, item in enumerate(items):
        name, status, body = item["operation"], int(item["status"]), item["body"]
        where = f"#{i} {name} {status}"
        op = ops.get(name)
        if op is None:
            problems.append(f"{where}: no operation {name} in the spec")
            continue
        schema, why = response_schema(spec, op, status)
        if schema is None:
            problems.append(f"{where}: {why}")
            continue
        checks = [("response", schema)]
        if 400 <= status < 500:
            checks.append(("ErrorMessage", error_schema))
        for label, s in checks:
            for err in jsonschema.Draft4Validator(s).iter_errors(body):
                path = "/".join(str(p) for p in err.absolute_path) or "(root)"
                problems.append(f"{where} [{label}] at {path}: {err.message}; body={json.dumps(body)}")
        if status < 300:
            extra = undeclared(schema, body)
            if extra:
                problems.append(f"{where}: undeclared properties {extra}; body={json.dumps(body)}")
    for p in problems:
        print(p)
    print(f"validated {len(items)} response bodies, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
