#!/usr/bin/env bash
# Checks that Pennydrop answers as its own OpenAPI document (GET /openapi.json) says: schemathesis
# generates requests for every operation (valid and invalid ones) and checks each answer's status
# code, content type and body schema against the document.
#
#   scripts/schemathesis.sh                      # starts target/debug/pennydrop on a fresh data
#                                                # dir with a sandbox key, 25 cases per operation
#   MAX_EXAMPLES=500 scripts/schemathesis.sh     # a long run
#   PENNYDROP_URL=http://127.0.0.1:8080 PENNYDROP_PUBLIC_KEY=... PENNYDROP_SECRET_KEY=... \
#     scripts/schemathesis.sh                    # against a server already running
#
# Credentials: HTTP Basic with PENNYDROP_PUBLIC_KEY:PENNYDROP_SECRET_KEY, or, when PENNYDROP_BEARER
# is set, that token as `Authorization: Bearer` (a token with narrow scopes meets 403s, which the
# document must list). The Finicity routes get Finicity-App-Key (the public key) and a
# Finicity-App-Token: PENNYDROP_FINICITY_TOKEN, or one this script asks the server for. The
# document's OpenAPI links chain operations in the stateful phase (create an account, link a bank
# account to it, initiate, complete; the same through Finicity and MX).
#
# Environment: PHASES (examples,coverage,fuzzing,stateful), MAX_EXAMPLES (25), SEED (20261123), WORKERS (1), PENNYDROP_BIN (the binary to
# start when PENNYDROP_URL is unset; default target/debug/pennydrop), REPORT_DIR (where the JUnit
# report, the served document and the crash store for `st replay` go; default target/schemathesis-report). Extra arguments go to `schemathesis run`.
# tests/schemathesis.rs runs this with a small MAX_EXAMPLES in the test suite.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
SEED="${SEED:-20261123}"
WORKERS="${WORKERS:-1}"
REPORT_DIR="${REPORT_DIR:-$ROOT/target/schemathesis-report}"
SCHEMATHESIS="$("$ROOT/tests/schemathesis/setup.sh" | tail -n 1)"

server_pid=""
data_dir=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [[ -n "$data_dir" ]]; then rm -rf "$data_dir"; fi
}
trap cleanup EXIT

if [[ -z "${PENNYDROP_URL:-}" ]]; then
  bin="${PENNYDROP_BIN:-$ROOT/target/debug/pennydrop}"
  [[ -x "$bin" ]] || { echo "no $bin: run cargo build first, or set PENNYDROP_BIN" >&2; exit 2; }
  data_dir="$(mktemp -d)"
  key="$("$bin" api-keys create --name schemathesis --sandbox --data-dir "$data_dir")"
  PENNYDROP_PUBLIC_KEY="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["publicKey"])' <<<"$key")"
  PENNYDROP_SECRET_KEY="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["secretKey"])' <<<"$key")"
  # Generated webhooks must never reach out: every network is refused.
  PENNYDROP_WEBHOOK_DENY_NETWORKS=0.0.0.0/0,::/0 PENNYDROP_RATE_LIMIT_SANDBOX=1000000 "$bin" serve --listen 127.0.0.1:0 --data-dir "$data_dir" \
    >"$data_dir/stdout" 2>"$data_dir/stderr" &
  server_pid=$!
  for _ in $(seq 1 100); do
    PENNYDROP_URL="$(sed -n 's/^listening on //p' "$data_dir/stdout" | head -n 1)"
    [[ -n "$PENNYDROP_URL" ]] && break
    sleep 0.1
  done
  [[ -n "$PENNYDROP_URL" ]] || { cat "$data_dir/stderr" >&2; echo "serve did not start" >&2; exit 2; }
fi
: "${PENNYDROP_PUBLIC_KEY:?set PENNYDROP_PUBLIC_KEY (and PENNYDROP_SECRET_KEY) for a running server}"
: "${PENNYDROP_SECRET_KEY:?set PENNYDROP_SECRET_KEY}"

PHASES="${PHASES:-examples,coverage,fuzzing,stateful}"
if [[ -z "${PENNYDROP_FINICITY_TOKEN:-}" ]]; then
  PENNYDROP_FINICITY_TOKEN="$(curl -fsS "$PENNYDROP_URL/aggregation/v2/partners/authentication" \
    -H "Finicity-App-Key: $PENNYDROP_PUBLIC_KEY" -H 'content-type: application/json' \
    -d "{\"partnerId\":\"$PENNYDROP_PUBLIC_KEY\",\"partnerSecret\":\"$PENNYDROP_SECRET_KEY\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
fi
credentials=(-H "Finicity-App-Key: $PENNYDROP_PUBLIC_KEY" -H "Finicity-App-Token: $PENNYDROP_FINICITY_TOKEN")
if [[ -n "${PENNYDROP_BEARER:-}" ]]; then
  credentials+=(-H "Authorization: Bearer $PENNYDROP_BEARER")
else
  credentials+=(--auth "$PENNYDROP_PUBLIC_KEY:$PENNYDROP_SECRET_KEY")
fi

mkdir -p "$REPORT_DIR"
REPORT_DIR="$(cd "$REPORT_DIR" && pwd)"
# The document is fetched from the server itself, so this checks what is served.
schema="$REPORT_DIR/openapi.json"
curl -fsS "$PENNYDROP_URL/openapi.json" -o "$schema"
# From the report directory: schemathesis keeps its crash store (`st replay`) in ./.schemathesis.
cd "$REPORT_DIR"
# tests/schemathesis/hooks.py: bodies the server accepts where a schema cannot say what it accepts.
export PYTHONPATH="$ROOT/tests/schemathesis${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=hooks
"$SCHEMATHESIS" run "$schema" \
  --url "$PENNYDROP_URL" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  "${credentials[@]}" \
  --phases "$PHASES" \
  --max-examples "$MAX_EXAMPLES" \
  --seed "$SEED" \
  --generation-deterministic \
  --workers "$WORKERS" \
  --no-color \
  --report junit --report-junit-path "$REPORT_DIR/junit.xml" \
  "$@"
