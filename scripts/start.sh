#!/usr/bin/env bash
# Install what nlq needs (first run only) and start the app. With no settings it opens the built-in demo
# database, created on first start. Extra arguments go to `streamlit run` (e.g. --server.port 8600).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements.txt
bash scripts/secrets-from-env.sh
echo "Starting nlq on http://localhost:8501 (Ctrl+C stops it)"
exec .venv/bin/python -m streamlit run streamlit_app.py "$@"
