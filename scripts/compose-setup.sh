#!/usr/bin/env bash
# The compose file's one-shot set-up, run in the app image: (re)load the demo data into PostgreSQL and
# give nlq the least-privilege role it reads with — the same commands docs/deployment.md gives for RDS.
set -euo pipefail
cd "$(dirname "$0")/.."
admin="postgresql://postgres:${POSTGRES_PASSWORD}@${POSTGRES_HOST:-postgres}:${POSTGRES_PORT:-5432}/${NLQ_DEMO_DB:-demo}"
.venv/bin/python -m nlq demo --url "$admin"
# The role's SQL carries its password: kept out of the container's log.
.venv/bin/python -m nlq setup-role --db "$admin" --role nlq_reader --password "$READER_PASSWORD" --apply >/dev/null
echo "nlq_reader is ready: it may read the demo tables and nothing else."
