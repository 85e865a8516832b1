"""Validates MX Platform response bodies against the spec subset's component schemas.

Usage: validate.py SPEC.yaml BODIES.json
BODIES.json is a list of {"schema": "<component name>", "body": <JSON>, "label": "..."}.

OpenAPI 3.0 schemas are turned into JSON Schema: `nullable: true` allows null, `$ref`s point at
`#/components/schemas/...` of the same document. One deviation, documented in docs/mx.md: the
spec's `MicrodepositResponseBody` puts the single object's schema under a list-like `items`
key without `type: array` (JSON Schema applies `items` to arrays only, so it would check
nothing). The documented samples and MX's servers return a single object, so the object under
`micro_deposit` is validated against that `items` schema (the allOf of MicrodepositElements and
MicrodepositResponse), and it must be an object, not an array.
Prints one line per body; exits 1 if any fails.
"""

import json
import sys

import jsonschema
import yaml


def convert(node):
    if isinstance(node, dict):
        out = {k: convert(v) for k, v in node.items() if k not in ("nullable", "example")}
        if node.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [convert(v) for v in node]
    return node


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    bodies = json.load(open(sys.argv[2]))
    components = convert(spec["components"])
    single = components["schemas"]["MicrodepositResponseBody"]["properties"]["micro_deposit"]["items"]
    # The single-object reading of MicrodepositResponseBody (see the docstring).
    components["schemas"]["MicrodepositSingleResponseBody"] = {
        "type": "object",
        "required": ["micro_deposit"],
        "properties": {"micro_deposit": dict(single, type="object")},
    }
    failures = 0
    for item in bodies:
        name = item["schema"]
        schema = {"$ref": f"#/components/schemas/{name}", "components": components}
        validator = jsonschema.Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(item["body"]), key=lambda e: list(e.path))
        label = item.get("label", name)
        if errors:
            failures += 1
            for e in errors:
                print(f"FAIL {label} ({name}): {list(e.path)}: {e.message}")
        else:
            print(f"ok {label} ({name})")
    print(f"{len(bodies) - failures}/{len(bodies)} bodies valid")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
