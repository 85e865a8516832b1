#!/usr/bin/env bash
# Runs the Moov TypeScript SDK end-to-end check (moov_sdk_e2e.mjs) against a running Pennydrop:
#
#   PENNYDROP_BASE_URL=http://127.0.0.1:8080 PENNYDROP_PUBLIC_KEY=pk PENNYDROP_SECRET_KEY=sk \
#     tests/sdk/ts/run.sh            # a sandbox key (micro-deposits [0,0], code MV0001)
#
# Installs the SDK pinned by package-lock.json with `npm ci` into SDK_TS_DIR (default
# ./target/sdk-ts) on first use and whenever the lock file changes; node_modules never lands in
# the source tree. Concurrent runs wait for one install (flock).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../../.." && pwd)"
SDK_TS_DIR="${SDK_TS_DIR:-$ROOT/target/sdk-ts}"

mkdir -p "$SDK_TS_DIR"
exec 9>"$SDK_TS_DIR.lock"
flock 9
want="$(sha256sum "$SCRIPT_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$SDK_TS_DIR/.installed" || "$(cat "$SDK_TS_DIR/.installed")" != "$want" ]]; then
  echo "installing the Moov TypeScript SDK (npm ci) into $SDK_TS_DIR" >&2
  cp "$SCRIPT_DIR/package.json" "$SCRIPT_DIR/package-lock.json" "$SDK_TS_DIR/"
  (cd "$SDK_TS_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$SDK_TS_DIR/.installed"
fi
cp "$SCRIPT_DIR/moov_sdk_e2e.mjs" "$SDK_TS_DIR/"
flock -u 9
exec 9>&-
exec node "$SDK_TS_DIR/moov_sdk_e2e.mjs" "$@"
