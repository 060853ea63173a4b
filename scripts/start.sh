#!/usr/bin/env bash
# Install what nlq needs (first run only) and start the app. With no settings it opens the built-in demo
# database, created on first start. Extra arguments go to `streamlit run`; another port, for example:
#   bash scripts/start.sh --server.port 8600        (or STREAMLIT_SERVER_PORT=8600 bash scripts/start.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements.txt
bash scripts/secrets-from-env.sh
# The address Streamlit will listen on, decided as Streamlit decides it: a command-line flag wins over
# STREAMLIT_SERVER_PORT / STREAMLIT_SERVER_ADDRESS, which win over .streamlit/config.toml.
from_config() { sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" .streamlit/config.toml 2>/dev/null | head -n 1; }
port=${STREAMLIT_SERVER_PORT:-$(from_config port)}
address=${STREAMLIT_SERVER_ADDRESS:-$(from_config address)}
args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --server.port=*) port=${args[$i]#*=} ;;
    --server.port) port=${args[$((i + 1))]:-} ;;
    --server.address=*) address=${args[$i]#*=} ;;
    --server.address) address=${args[$((i + 1))]:-} ;;
  esac
done
case "${address:-}" in
  "" | 0.0.0.0 | "::") host=localhost ;;  # every interface: this machine reaches it as localhost
  *) host=$address ;;
esac
echo "Starting nlq on http://$host:${port:-8501} (Ctrl+C stops it)"
exec .venv/bin/python -m streamlit run streamlit_app.py "$@"
