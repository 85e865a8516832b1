#!/usr/bin/env bash
# Installs axe-core (pinned by package-lock.json) into BROWSER_TEST_DIR (default
# ./target/browser-tests) with `npm ci` on first use and whenever the lock changes, and prints the
# path of axe.min.js. node_modules never lands in the source tree; concurrent runs wait for one
# install (flock). Chromium and chromedriver come from Debian (`chromium`, `chromium-driver`).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
DIR="${BROWSER_TEST_DIR:-$ROOT/target/browser-tests}"

mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9
want="$(sha256sum "$SCRIPT_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$DIR/.installed" || "$(cat "$DIR/.installed")" != "$want" ]]; then
  echo "installing axe-core (npm ci) into $DIR" >&2
  cp "$SCRIPT_DIR/package.json" "$SCRIPT_DIR/package-lock.json" "$DIR/"
  (cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$DIR/.installed"
fi
echo "$DIR/node_modules/axe-core/axe.min.js"
