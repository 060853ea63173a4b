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
  echo "Creating the virtual environment .venv with $("$PYTHON" --version 2>&1) …"
  rm -rf .venv
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv separately; install it when we may.
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing Debian's python3-venv with apt-get (Python's venv module is missing) …"
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
  echo "Installing WordNet's English files (Debian's wordnet-base) with apt-get …"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wordnet-base \
    || echo "Could not install wordnet-base; the rules tier will understand fewer words." >&2
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$1")"
if [ ! -f "$stamp" ]; then
  # pip's own output is long: the whole of it goes to a log, and one line per package to the terminal.
  log=.venv/pip-install.log
  echo "Installing Python packages from $1 into .venv: this takes a few minutes the first time (full log: $log) …"
  if ! .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -r "$1" 2>&1 | tee "$log" \
      | awk '/^Collecting / { n++; print "  " n ". " $2; fflush() }
             /^Installing collected packages:/ { print "  installing the packages …"; fflush() }'; then
    tail -n 20 "$log" >&2
    echo "Installing the packages failed (above: the end of $log). Fix the cause and run this again." >&2
    exit 1
  fi
  echo "Installed the Python packages."
  touch "$stamp"
fi
