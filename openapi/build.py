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


# The error answers each dialect gives (docs/dialects.md, "Error shapes"), by path prefix as
# crates/api/src/edge.rs decides them.
ERROR_SCHEMAS = {
    "PennydropMoovError": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "PennydropFinicityError": {"$ref": "#/components/schemas/ErrorMessage"},
    # Page paths (/, /v, /console, /assets) answer errors as an HTML page.
    "PennydropPage": {"type": "string"},
    "PennydropMxPlatformError": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}, "status": {"type": "string"}},
            }
        },
    },
    "PennydropNexusError": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string"},
            "status_name": {"type": "string"},
        },
    },
}
PLATFORM_MEDIA = "application/vnd.mx.api.v1+json"
NEXUS_MEDIA = "application/vnd.mx.nexus.v1+json"


def under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def error_shape(path: str) -> tuple[str, list[str]]:
    """The error schema and media types of the dialect a path belongs to."""
    if path == "/" or under(path, "/console") or under(path, "/v") or under(path, "/assets"):
        return "PennydropPage", ["text/html"]
    if under(path, "/aggregation") or under(path, "/microentry"):
        return "PennydropFinicityError", ["application/json"]
    if under(path, "/users") or (under(path, "/micro_deposits") and path.endswith("/verify")):
        return "PennydropMxPlatformError", [PLATFORM_MEDIA, "application/json"]
    if under(path, "/sessions") or under(path, "/micro_deposits"):
        return "PennydropNexusError", [NEXUS_MEDIA]
    return "PennydropMoovError", ["application/json"]


def conform(doc: dict) -> None:
    """Makes the document say what Pennydrop sends where the vendors' documents differ."""
    schemas = doc["components"]["schemas"]
    schemas.update(ERROR_SCHEMAS)
    # Finicity's spec types ErrorMessage.code as an object ("a number or a string"); Pennydrop
    # always sends a string, as the spec's examples do.
    schemas["ErrorMessage"]["properties"]["code"] = {
        "type": "string",
        "description": "An error code, always a string (e.g. \"14020\").",
        "example": "14020",
    }
    for path, item in doc["paths"].items():
        schema, media = error_shape(path)
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            # Every operation may answer an error the vendor does not list (401, 404, 413, 415…).
            op["responses"].setdefault("default", {
                "description": "An error, in the dialect's error shape (docs/dialects.md)",
                "content": {m: {"schema": {"$ref": f"#/components/schemas/{schema}"}} for m in media},
            })
            if schema == "PennydropMxPlatformError":
                for response in op["responses"].values():
                    content = response.get("content") or {}
                    if "application/json" in content:
                        content.setdefault(PLATFORM_MEDIA, content["application/json"])


# OpenAPI links between operations, for schemathesis's stateful phase (tests/schemathesis.rs):
# create an account, link a bank account to it, initiate and complete both methods; register a
# webhook and use it; Finicity initiate, read, answer; MX user, micro-deposit, verify.
def add_links(doc: dict) -> None:
    paths = doc["paths"]

    def target(path: str, method: str) -> dict:
        op = paths[path][method]
        if op.get("operationId"):
            return {"operationId": op["operationId"]}
        pointer = path.replace("~", "~0").replace("/", "~1")
        return {"operationRef": f"#/paths/{pointer}/{method}"}

    def link(src, method, status, name, dst, dst_method, params, description):
        response = paths[src][method]["responses"][status]
        if "$ref" in response:
            response = doc["components"]["responses"][response["$ref"].split("/")[-1]]
        entry = target(dst, dst_method)
        entry["parameters"] = params
        entry["description"] = description
        response.setdefault("links", {})[name] = entry

    account = "/accounts/{accountID}"
    bank = account + "/bank-accounts/{bankAccountID}"
    new_account = {"accountID": "$response.body#/accountID"}
    for name, (path, method) in {
        "GetAccount": (account, "get"),
        "UpdateAccount": (account, "patch"),
        "DisconnectAccount": (account, "delete"),
        "LinkBankAccount": (account + "/bank-accounts", "post"),
        "ListBankAccounts": (account + "/bank-accounts", "get"),
        "ListPaymentMethods": (account + "/payment-methods", "get"),
    }.items():
        link("/accounts", "post", "200", name, path, method, new_account, "The account just created")
    new_bank = {"accountID": "$request.path.accountID", "bankAccountID": "$response.body#/bankAccountID"}
    for name, (path, method) in {
        "GetBankAccount": (bank, "get"),
        "DisableBankAccount": (bank, "delete"),
        "InitiateMicroDeposits": (bank + "/micro-deposits", "post"),
        "InitiateInstantVerification": (bank + "/verify", "post"),
        "GetVerification": (bank + "/verify", "get"),
    }.items():
        link(account + "/bank-accounts", "post", "200", name, path, method, new_bank,
             "The bank account just linked")
    same = {"accountID": "$request.path.accountID", "bankAccountID": "$request.path.bankAccountID"}
    micro, verify = bank + "/micro-deposits", bank + "/verify"
    link(micro, "post", "204", "CompleteMicroDeposits", micro, "put", same, "Answer the micro-deposits just sent")
    link(micro, "post", "204", "GetBankAccount", bank, "get", same, "The bank account just sent micro-deposits")
    link(verify, "post", "200", "CompleteInstantVerification", verify, "put", same, "Answer the code just sent")
    link(verify, "post", "200", "GetVerification", verify, "get", same, "The verification just started")

    webhook = "/webhooks/{webhookID}"
    new_webhook = {"webhookID": "$response.body#/webhookID"}
    for name, (path, method) in {
        "GetWebhook": (webhook, "get"),
        "UpdateWebhook": (webhook, "put"),
        "DeleteWebhook": (webhook, "delete"),
        "ListDeliveries": (webhook + "/deliveries", "get"),
        "Ping": (webhook + "/ping", "post"),
        "GetSecret": (webhook + "/secret", "get"),
        "RotateSecret": (webhook + "/secret/rotate", "post"),
        "Replay": (webhook + "/replay", "post"),
    }.items():
        link("/webhooks", "post", "201", name, path, method, new_webhook, "The webhook just registered")

    customer = "/microentry/v1/customers/{customerId}"
    entries = {"customerId": "$request.path.customerId", "accountId": "$response.body#/accountId"}
    link(customer, "post", "200", "GetMicroDepositsDetails", customer + "/accounts/{accountId}", "get",
         entries, "The micro-entries just initiated")
    link(customer, "post", "200", "VerifyMicroAmountDeposits", customer + "/accounts/{accountId}/amounts",
         "post", entries, "Answer the micro-entries just initiated")

    user = "/users/{user_guid}"
    new_user = {"user_guid": "$response.body#/user/guid"}
    link("/users", "post", "200", "GetUser", user, "get", new_user, "The user just created")
    link("/users", "post", "200", "CreateMicrodeposit", user + "/micro_deposits", "post", new_user,
         "Link an account for the user just created")
    link("/users", "post", "200", "ListMicrodeposits", user + "/micro_deposits", "get", new_user,
         "The user just created")
    deposit = user + "/micro_deposits/{micro_deposit_guid}"
    new_deposit = {"user_guid": "$request.path.user_guid",
                   "micro_deposit_guid": "$response.body#/micro_deposit/guid"}
    made = user + "/micro_deposits"
    link(made, "post", "200", "ReadMicrodeposit", deposit, "get", new_deposit, "The micro-deposit just created")
    link(made, "post", "200", "DeleteMicrodeposit", deposit, "delete", new_deposit, "The micro-deposit just created")
    link(made, "post", "200", "VerifyMicrodeposit", "/micro_deposits/{micro_deposit_guid}/verify", "put",
         {"micro_deposit_guid": "$response.body#/micro_deposit/guid"}, "Answer the micro-deposit just created")
    nexus = {"guid": "$response.body#/micro_deposit/guid"}
    link("/micro_deposits", "post", "200", "ReadMicroDeposit", "/micro_deposits/{guid}", "get", nexus,
         "The micro-deposit just created")
    link("/micro_deposits", "post", "200", "UpdateMicroDeposit", "/micro_deposits/{guid}", "put", nexus,
         "Complete the micro-deposit just pre-initiated")

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
    conform(doc)
    add_links(doc)
    out = ROOT / "crates/api/openapi.json"
    out.write_text(json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}: {len(doc['paths'])} paths")


if __name__ == "__main__":
    main()
