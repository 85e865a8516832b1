#!/usr/bin/env bash
# Prepares the virtualenv for the schemathesis run (tests/schemathesis.rs,
# scripts/schemathesis.sh) and prints the path of its `schemathesis` command.
#
# SCHEMATHESIS_VENV overrides the virtualenv (default ./target/schemathesis-venv), PYTHON the
# interpreter that creates it. The version is pinned; concurrent callers wait on a lock.
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
VENV="${SCHEMATHESIS_VENV:-$ROOT/target/schemathesis-venv}"
PYTHON="${PYTHON:-python3}"

mkdir -p "$(dirname "$VENV")"
exec 9>"$(dirname "$VENV")/.schemathesis-setup.lock"
flock 9

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "creating virtualenv $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi

wanted="schemathesis==$SCHEMATHESIS_VERSION"
installed="$("$VENV/bin/python" - <<'PY' 2>/dev/null || true
import importlib.metadata as m
print(f"schemathesis=={m.version('schemathesis')}")
PY
)"
if [[ "$installed" != "$wanted" ]]; then
  echo "installing $wanted into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$wanted" >&2
fi

echo "$VENV/bin/schemathesis"
