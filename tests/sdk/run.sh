#!/usr/bin/env bash
# Run the Moov-SDK end-to-end checks against a running Pennydrop server.
#
#   # with the sandbox key `pennydrop serve` prints on first start:
#   PENNYDROP_BASE_URL=http://127.0.0.1:8080 PENNYDROP_PUBLIC_KEY=pk PENNYDROP_SECRET_KEY=sk \
#     tests/sdk/run.sh sandbox-all
#   # with a production key from `pennydrop api-keys create --name NAME` (simulator on):
#   PENNYDROP_BASE_URL=http://127.0.0.1:8080 PENNYDROP_PUBLIC_KEY=pk PENNYDROP_SECRET_KEY=sk \
#     tests/sdk/run.sh production-all
#
# Flows and groups are listed by `tests/sdk/run.sh --help`.
# Creates a virtualenv (default ./target/sdk-venv, override with SDK_VENV) on first use and
# installs the pinned official SDK into it. PYTHON selects the interpreter (default python3).
set -euo pipefail

MOOV_SDK_VERSION="26.8.6"
# An independent Standard Webhooks verifier for the webhook signatures.
STANDARDWEBHOOKS_VERSION="1.1.0"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SDK_VENV="${SDK_VENV:-./target/sdk-venv}"
PYTHON="${PYTHON:-python3}"

# Two tests may set the venv up at once on a fresh clone: one at a time.
mkdir -p "$(dirname "$SDK_VENV")"
exec 9>"$SDK_VENV.lock"
flock 9
if [[ ! -x "$SDK_VENV/bin/python" ]]; then
  echo "creating virtualenv $SDK_VENV" >&2
  mkdir -p "$(dirname "$SDK_VENV")"
  "$PYTHON" -m venv "$SDK_VENV"
fi

installed="$("$SDK_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moovio-sdk"))' 2>/dev/null || true)"
if [[ "$installed" != "$MOOV_SDK_VERSION" ]]; then
  echo "installing moovio-sdk==$MOOV_SDK_VERSION into $SDK_VENV" >&2
  "$SDK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moovio-sdk==$MOOV_SDK_VERSION"
fi

if ! "$SDK_VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("standardwebhooks") != sys.argv[1])' "$STANDARDWEBHOOKS_VERSION" 2>/dev/null; then
  echo "installing standardwebhooks==$STANDARDWEBHOOKS_VERSION into $SDK_VENV" >&2
  "$SDK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
fi

flock -u 9

# `run.sh --verify-webhooks < deliveries.json`: check signatures with standardwebhooks only.
if [[ "${1:-}" == "--verify-webhooks" ]]; then
  exec "$SDK_VENV/bin/python" "$SCRIPT_DIR/verify_webhooks.py"
fi
exec "$SDK_VENV/bin/python" "$SCRIPT_DIR/moov_sdk_e2e.py" "$@"
