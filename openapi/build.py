#!/usr/bin/env python3
"""Builds crates/api/openapi.json (served at GET /openapi.json) from the vendor spec subsets
Pennydrop answers (Moov, Finicity, MX Platform) and openapi/pennydrop.yaml (its own routes).
Rerun after changing any of them:  python3 openapi/build.py  (needs PyYAML)."""

import json
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Operations of the vendor subsets that Pennydrop does not serve: the vendor files stay verbatim
# (tests validate against them), but /openapi.json lists only what answers. tests/openapi.rs
# calls every listed operation and fails on a 404 "no route" or a 405.
NOT_SERVED = {
    # Finicity: rotating the partner secret; Pennydrop's secrets are its API keys (CLI).
    ("put", "/aggregation/v2/partners/authentication"),
    # MX Platform: instant account verification lists; Pennydrop serves micro-deposits only.
    ("get", "/users/{user_guid}/account_verifications"),
}
SOURCES = [
    ("Moov", ROOT / "openapi/moov-bank-accounts.yaml"),
    ("Finicity", ROOT / "tests/finicity/finicity-microentry.yaml"),
    ("MX Platform", ROOT / "tests/mx/mx-platform-microdeposits.yaml"),
    ("Pennydrop", ROOT / "openapi/pennydrop.yaml"),
]


def main() -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {
            "title": "Pennydrop",
            "version": "0.1.0",
            "description": "Bank-account verification: the Moov bank-account API, Finicity micro "
            "entries, MX Platform and Nexus micro-deposits, and Pennydrop's operator and "
            "simulator routes. Vendor parts are subsets of the vendors' own OpenAPI documents "
            "(see each operation's x-dialect).",
        },
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    for dialect, path in SOURCES:
        spec = yaml.safe_load(path.read_text())
        for p, item in (spec.get("paths") or {}).items():
            for op in item.values():
                if isinstance(op, dict):
                    op.setdefault("x-dialect", dialect)
            served = {m: op for m, op in item.items() if (m, p) not in NOT_SERVED}
            if not any(isinstance(op, dict) and m != "parameters" for m, op in served.items()):
                continue
            target = doc["paths"].setdefault(p, {})
            for method, op in served.items():
                target.setdefault(method, op)
        comps = spec.get("components") or {}
        for kind in ("schemas", "securitySchemes", "parameters", "responses", "requestBodies"):
            for name, value in (comps.get(kind) or {}).items():
                doc["components"].setdefault(kind, {}).setdefault(name, value)
    out = ROOT / "crates/api/openapi.json"
    out.write_text(json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}: {len(doc['paths'])} paths")


if __name__ == "__main__":
    main()
