# Sourced by start.sh and test.sh: make .venv (Python 3.11+) and install the pinned requirements file $1.
# Re-installs only when a requirements file changed, so repeated starts are quick.
set -euo pipefail
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "nlq needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1 || echo missing)." >&2
  echo "Install it (Debian: apt-get install python3) or point PYTHON at one." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  rm -rf .venv
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv separately; install it when we may.
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
      "$PYTHON" -m venv .venv
    else
      echo "Python's venv module is missing. On Debian: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi
# WordNet's English files (Debian's wordnet-base) teach the rules tier and schema linking lemmas, synonyms and
# the nouns of verbs; nlq works without them, understanding fewer questions.
if [ ! -f /usr/share/wordnet/data.noun ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wordnet-base \
    || echo "Could not install wordnet-base; the rules tier will understand fewer words." >&2
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$1")"
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages from $1 into .venv …"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$1"
  touch "$stamp"
fi
