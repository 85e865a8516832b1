#!/usr/bin/env python3
"""Verifies webhook deliveries with the independent `standardwebhooks` package.

Reads JSON from stdin: {"secret": "whsec_...", "deliveries": [{"headers": {...}, "body": "<base64>"}]}.
Every delivery must verify; the same delivery with one byte of its body changed must not.
Prints one line per delivery and exits 0 only if all of them behave.
"""

import base64
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    doc = json.load(sys.stdin)
    verifier = Webhook(doc["secret"])
    failures = 0
    for i, d in enumerate(doc["deliveries"]):
        headers = {k.lower(): v for k, v in d["headers"].items()}
        body = base64.b64decode(d["body"])
        try:
            verifier.verify(body, headers)
        except WebhookVerificationError as e:
            print(f"delivery {i}: does not verify: {e}")
            failures += 1
            continue
        tampered = bytearray(body)
        tampered[len(tampered) // 2] ^= 0x01
        try:
            verifier.verify(bytes(tampered), headers)
            print(f"delivery {i}: a tampered body verified")
            failures += 1
        except WebhookVerificationError:
            print(f"delivery {i}: verified; tampered body refused")
    print(f"{len(doc['deliveries'])} deliveries, {failures} failures")
    return 1 if failures or not doc["deliveries"] else 0


if __name__ == "__main__":
    sys.exit(main())
