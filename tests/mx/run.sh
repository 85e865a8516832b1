#!/usr/bin/env bash
# Validates MX Platform response bodies against the JSON Schemas of the MX spec subset
# (tests/mx/mx-platform-microdeposits.yaml, copied from mxenabled/openapi).
#
#   tests/mx/run.sh bodies.json     # [{"schema": "MicrodepositResponseBody", "body": {...}}, ...]
#
# Creates a virtualenv (default ./target/mx-venv, override with MX_VENV) on first use and
# installs the pinned jsonschema and PyYAML into it. PYTHON selects the interpreter.
set -euo pipefail

JSONSCHEMA_VERSION="4.23.0"
PYYAML_VERSION="6.0.2"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MX_VENV="${MX_VENV:-./target/mx-venv}"
PYTHON="${PYTHON:-python3}"

mkdir -p "$(dirname "$MX_VENV")"
# Several tests may call this at once: one creates and installs, the others wait.
exec 9>"$MX_VENV.lock"
flock 9

if [[ ! -x "$MX_VENV/bin/python" ]]; then
  echo "creating virtualenv $MX_VENV" >&2
  "$PYTHON" -m venv "$MX_VENV"
fi

versions="$("$MX_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("jsonschema"), m.version("PyYAML"))' 2>/dev/null || true)"
if [[ "$versions" != "$JSONSCHEMA_VERSION $PYYAML_VERSION" ]]; then
  echo "installing jsonschema==$JSONSCHEMA_VERSION PyYAML==$PYYAML_VERSION into $MX_VENV" >&2
  "$MX_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "jsonschema==$JSONSCHEMA_VERSION" "PyYAML==$PYYAML_VERSION"
fi

flock -u 9
exec 9>&-
exec "$MX_VENV/bin/python" "$SCRIPT_DIR/validate.py" "$SCRIPT_DIR/mx-platform-microdeposits.yaml" "$@"
