#!/usr/bin/env bash
# Prepares the Python side of the Finicity tests and prints the interpreter to use.
#
#   tests/finicity/setup.sh            # venv with jsonschema + pyyaml (response validation)
#   tests/finicity/setup.sh client     # ... plus a client generated from the spec by
#                                      # openapi-python-client into target/finicity-client
#
# FINICITY_VENV overrides the virtualenv (default ./target/finicity-venv), PYTHON the
# interpreter that creates it. Everything is pinned; nothing generated is committed.
set -euo pipefail

OPENAPI_PYTHON_CLIENT_VERSION="0.29.1"
JSONSCHEMA_VERSION="4.26.0"
PYYAML_VERSION="6.0.3"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
VENV="${FINICITY_VENV:-$ROOT/target/finicity-venv}"
CLIENT_DIR="${FINICITY_CLIENT_DIR:-$ROOT/target/finicity-client}"
PYTHON="${PYTHON:-python3}"

mkdir -p "$(dirname "$VENV")"
exec 9>"$(dirname "$VENV")/.finicity-setup.lock"
flock 9

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "creating virtualenv $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi

wanted="openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION jsonschema==$JSONSCHEMA_VERSION pyyaml==$PYYAML_VERSION"
installed="$("$VENV/bin/python" - <<'PY' 2>/dev/null || true
import importlib.metadata as m
print(" ".join(f"{n}=={m.version(n)}" for n in ("openapi-python-client", "jsonschema", "pyyaml")))
PY
)"
if [[ "$installed" != "$wanted" ]]; then
  echo "installing $wanted into $VENV" >&2
  # shellcheck disable=SC2086
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $wanted >&2
fi

if [[ "${1:-}" == "client" ]]; then
  spec="$SCRIPT_DIR/finicity-microentry.yaml"
  stamp="$CLIENT_DIR/.generated-from"
  want_stamp="$OPENAPI_PYTHON_CLIENT_VERSION $(sha256sum "$spec" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want_stamp" ]]; then
    echo "generating the Finicity client into $CLIENT_DIR" >&2
    rm -rf "$CLIENT_DIR"
    mkdir -p "$CLIENT_DIR"
    "$VENV/bin/openapi-python-client" generate --path "$spec" --meta none \
      --output-path "$CLIENT_DIR/open_finance_client" --overwrite >&2
    echo "$want_stamp" > "$stamp"
  fi
fi

echo "$VENV/bin/python"
