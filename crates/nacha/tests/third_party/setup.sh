#!/usr/bin/env bash
# Installs the independent NACHA validator used by tests/third_party.rs:
# achlens 0.1.7 from PyPI (Apache-2.0, https://github.com/mscott9160-web/achlens), a
# field-level ACH validator nobody on this project wrote. Only its core is used, which needs
# PyYAML; its MCP server and CLI extras (mcp, typer) are not installed (--no-deps).
#
# usage: setup.sh [TARGET_DIR]   (default: <repo>/target). Idempotent and safe to run
# concurrently (flock); prints the venv's python.
set -euo pipefail

ACHLENS_VERSION=0.1.7
PYYAML_VERSION=6.0.3

here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-$(cd "$here/../../../.." && pwd)/target}"
venv="$target/nacha-validator-venv"
python="$venv/bin/python"

check() {
  "$python" - "$ACHLENS_VERSION" "$PYYAML_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
assert version("achlens") == sys.argv[1], version("achlens")
assert version("PyYAML") == sys.argv[2], version("PyYAML")
import achlens.core  # noqa: F401
PY
}

mkdir -p "$target"
# Tests run in parallel threads and may all ask at once: one installs, the others wait.
exec 9>"$target/.nacha-validator-venv.lock"
flock 9

if [ -x "$python" ] && check; then
  echo "$python"
  exit 0
fi

rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
  "achlens==$ACHLENS_VERSION" "PyYAML==$PYYAML_VERSION" >&2
check || { echo "achlens $ACHLENS_VERSION did not install correctly into $venv" >&2; exit 1; }
echo "$python"
